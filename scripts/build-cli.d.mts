/** Compiles the CLI into `outdir` (cli/dist by default); resolves with the sources it compiled. */
export declare function buildCli(outdir?: string): Promise<string[]>;
