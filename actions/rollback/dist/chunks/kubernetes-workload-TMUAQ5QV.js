import { createRequire as __gardeRequire } from "node:module"; const require = __gardeRequire(import.meta.url);
import{a,b,c,d,e,f}from"./chunk-URFM4N5P.js";import"./chunk-GRV2TCBC.js";import"./chunk-KYEDPJWC.js";import"./chunk-RRNJEOAL.js";import"./chunk-QMXFNUQ5.js";export{f as KubernetesWorkload,a as REVISION,c as isApiException,b as readsFrom,e as rolloutState,d as urlOf};
