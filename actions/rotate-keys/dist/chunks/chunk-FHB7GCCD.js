import { createRequire as __gardeRequire } from "node:module"; const require = __gardeRequire(import.meta.url);
import{a as p}from"./chunk-IJOKW5ZO.js";import{c as t,d as l,e as s,i as e}from"./chunk-F5Q64DRT.js";import{m as a,p as o,q as r}from"./chunk-KZEEND5Z.js";var m=p([t(),s(),a(e(r(()=>m))),o(e(r(()=>m))),l()]);export{m as a};
