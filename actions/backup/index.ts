import "../shared/one-shot-zod.ts";
import { run } from "./main.ts";

await run();
