// Builds the web console into console/dist (run by `npm install`: `vite build console`). Every
// file lands in dist/ or dist/assets/ with a content hash; nothing is fetched from elsewhere at run time.
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: false })],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // the polyfill would be an inline script, which the console's Content-Security-Policy refuses
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    target: "es2022",
  },
  // `vite` (dev server) forwards API calls to a running obr, so the console can be worked on live
  server: {
    proxy: Object.fromEntries(
      ["/as", "/authorization", "/backup-recovery", "/virtualization", "/data-services", "/obr", "/openapi.json"].map((p) => [p, "http://127.0.0.1:7480"]),
    ),
  },
});
