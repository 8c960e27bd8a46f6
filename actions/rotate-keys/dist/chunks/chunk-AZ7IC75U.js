import { createRequire as __gardeRequire } from "node:module"; const require = __gardeRequire(import.meta.url);
var r={step:"idle",rotationId:null,lock:null,finishedAt:null,reason:null},e=class extends Error{name="ConcurrentRotationError"};export{r as a,e as b};
