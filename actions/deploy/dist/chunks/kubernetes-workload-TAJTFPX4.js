import { createRequire as __gardeRequire } from "node:module"; const require = __gardeRequire(import.meta.url);
import{a,b,c,d,e,f}from"./chunk-P7OKJJPL.js";import"./chunk-CA6CTIEU.js";import"./chunk-RRNJEOAL.js";import"./chunk-BV3WUUPG.js";export{f as KubernetesWorkload,a as REVISION,c as isApiException,b as readsFrom,e as rolloutState,d as urlOf};
