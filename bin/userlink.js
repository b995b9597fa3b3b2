#!/usr/bin/env node
// The `userlink` command: the built CLI (`npm run build` emits dist/), plain JavaScript
// in this same process, so signals reach the server directly and no TypeScript loader is
// needed at run time. In a checkout, `npm run userlink --` runs the sources instead.
await import("../dist/src/cli/main.js");
