/**
 * garde's version, recorded in backup manifests and printed by --version. A literal rather than a
 * read of package.json so the bundled actions carry it too; tests/project/version.test.ts keeps
 * it equal to package.json's.
 */
export const VERSION = "0.1.0";
