#!/usr/bin/env node
// The `userlink` command: loads the TypeScript CLI through tsx's loader in this same
// process (no build step, and signals reach the server directly).
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
