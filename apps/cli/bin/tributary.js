#!/usr/bin/env node
// The `tributary` command. Runs the bundle (dist/tributary.js, made by `npm run build`) when there is
// one; in the repository without a build, runs the TypeScript sources through tsx.
import { existsSync } from "node:fs";

const bundle = new URL("../dist/tributary.js", import.meta.url);
if (existsSync(bundle)) {
  await import(bundle.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL("../src/main.ts", import.meta.url).href);
}
