import * as z from "zod";

/**
 * An action run validates each schema once. zod compiles an object schema into a function on its
 * first parse (its JIT), which pays off over many parses, never over one: without it the deploy
 * action reaches its first request 1.5 ms sooner (bench/deploy-cold-start.ts). Each action's entry
 * imports this module first, before any module parses a schema as it loads.
 */
z.config({ jitless: true });
