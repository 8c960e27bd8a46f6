/** The suffix npm run mutate gives the original of the file it mutates. */
export declare const ORIGINAL_SUFFIX: string;
/** Every FILE.mutate-original under root (node_modules, .git and bundles aside), as absolute paths. */
export declare function mutatedOriginals(root: string): string[];
/** Exits 1, naming them, while any source is mutated. */
export declare function refuseWhileMutated(root: string): void;
