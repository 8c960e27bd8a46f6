import { createRequire as __gardeRequire } from "node:module"; const require = __gardeRequire(import.meta.url);
import{d as a}from"./chunk-D6QBZUYS.js";import"./chunk-U6UV5HIT.js";import"./chunk-QMXFNUQ5.js";export default a();
