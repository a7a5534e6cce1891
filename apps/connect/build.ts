/**
 * Production bundle: connect's sources and the workspace packages it uses (@tributary/*, which ship as
 * TypeScript) in one ESM file; third-party packages stay in node_modules, loaded as published.
 */
import { build } from "esbuild";

await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/main.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
  plugins: [
    {
      name: "external-third-party",
      setup(pluginBuild) {
        pluginBuild.onResolve({ filter: /^[^./]/ }, (args) =>
          args.path.startsWith("@tributary/") ? undefined : { path: args.path, external: true },
        );
      },
    },
  ],
});
