/**
 * The CLI as one self-contained ESM file (`dist/tributary.js`): its sources and its dependencies
 * (commander) bundled, so `bin/` + `dist/` install and run without the monorepo.
 */
import { build } from "esbuild";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));

export async function buildCli(outfile = resolve(root, "dist/tributary.js")): Promise<void> {
  await build({
    entryPoints: [resolve(root, "src/main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: true,
    logLevel: "warning",
    // commander is CommonJS: its require() of Node's built-ins needs a real require in an ES module.
    banner: { js: 'import { createRequire as __tributaryCreateRequire } from "node:module";\nconst require = __tributaryCreateRequire(import.meta.url);' },
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await buildCli();
