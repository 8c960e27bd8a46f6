import { createRequire as __gardeRequire } from "node:module"; const require = __gardeRequire(import.meta.url);
import{s as e}from"./chunk-IJOTE2QW.js";var t={Create:"create",Delete:"delete",List:"list",Read:"read",Update:"update"},o=e(t);export{o as a};
