import { createRequire as __gardeRequire } from "node:module"; const require = __gardeRequire(import.meta.url);
import{a,b,c,d,e,f,g}from"./chunk-JO4UNL2X.js";import"./chunk-RRNJEOAL.js";import"./chunk-CA6CTIEU.js";import"./chunk-BV3WUUPG.js";export{g as KubernetesWorkload,a as REVISION,d as classifyKubernetesFailure,c as isApiException,b as readsFrom,f as rolloutState,e as urlOf};
