#!/usr/bin/env node
// garde's sandbox: the emulators, the sample app and a production deployment, until stopped.
// Its own entry, so the CLI neither imports nor ships the emulators; `garde sandbox` runs this.
// The emulators are TypeScript, run through tsx.
import { register } from "tsx/esm/api";

register();
await import("../sandbox/main.ts");
