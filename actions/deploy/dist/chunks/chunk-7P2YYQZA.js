import { createRequire as __gardeRequire } from "node:module"; const require = __gardeRequire(import.meta.url);
import{e,i as t}from"./chunk-XTRITKE3.js";import{n as r}from"./chunk-IJOTE2QW.js";var a=r({count:e(),next:t(e()),prev:t(e())});export{a};
