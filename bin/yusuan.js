#!/usr/bin/env node
// The `yusuan` command: runs the compiled CLI (npm install builds it into dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('yusuan is not built yet: run `npm install` (or `npm run build`) in the project folder first.\n');
  process.exit(2);
}
// `yusuan export | head` closes the pipe early: that is not an error
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const { main } = await import(entry.href);
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`yusuan: unexpected error: ${error?.stack ?? error}\nPlease report this with the command you ran.\n`);
  process.exitCode = 70;
}
