import { createRequire as __gardeRequire } from "node:module"; const require = __gardeRequire(import.meta.url);
import{a}from"./chunk-WAD32XWY.js";import"./chunk-U6UV5HIT.js";import"./chunk-QMXFNUQ5.js";export default a();
