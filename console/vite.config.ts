import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The console is served by the service at /console/ (src/transport/console), from the
// folder this build writes; asset names carry a content hash so they can be cached forever.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/console/",
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL("../dist/console", import.meta.url)),
    emptyOutDir: true,
    // No data: URLs: the Content-Security-Policy allows assets from 'self' only.
    assetsInlineLimit: 0,
    target: "es2022",
    sourcemap: false,
  },
});
