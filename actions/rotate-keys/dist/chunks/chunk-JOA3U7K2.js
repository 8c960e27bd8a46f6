import { createRequire as __gardeRequire } from "node:module"; const require = __gardeRequire(import.meta.url);
function t(o){return/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(o)}function n(o){return t(new URL(o).hostname)}export{t as a,n as b};
