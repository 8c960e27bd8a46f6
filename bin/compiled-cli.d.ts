export declare const ROOT: string;
export declare const COMPILED_CLI: string;
export declare const MANIFEST: string;
export declare function stamp(path: string): [path: string, size: number, mtimeMs: number];
export declare function manifestOf(sources: readonly string[]): string;
export declare function freshCompiledCli(dir?: string): string | undefined;
export declare function runGarde(dir?: string): Promise<void>;
