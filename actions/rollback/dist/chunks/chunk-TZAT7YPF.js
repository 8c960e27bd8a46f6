import { createRequire as __gardeRequire } from "node:module"; const require = __gardeRequire(import.meta.url);
import{a as p}from"./chunk-CNQKDCBF.js";import{c as t,d as l,e as s,i as e}from"./chunk-XTRITKE3.js";import{m as a,p as o,q as r}from"./chunk-IJOTE2QW.js";var m=p([t(),s(),a(e(r(()=>m))),o(e(r(()=>m))),l()]);export{m as a};
