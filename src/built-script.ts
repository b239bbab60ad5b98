import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A worker thread's compiled script, by its path under src/ (e.g.
 * `ingest-worker.js`); under vitest, which runs src/*.ts, the build in
 * dist/. Worker threads run JavaScript only.
 */
export function builtScript(path: string): URL {
  const here = new URL(`./${path}`, import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL(`../dist/${path}`, import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error(`the worker script ${path} is not built: run \`npm run build\``);
}
