/*
 * How tests start slipctl: the compiled CLI (ts-api/dist, which `npm test`
 * builds first) when it is at least as new as every source file, else the
 * TypeScript source through tsx. The compiled one starts in about half the
 * time, which matters on a loaded 2-CPU machine where a test runs slipctl
 * a dozen times; the freshness check keeps a stale build from being tested
 * when someone runs ava straight after an edit.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const SRC = path.join(ROOT, 'ts-api', 'src');
const DIST_MAIN = path.join(ROOT, 'ts-api', 'dist', 'cli', 'main.js');
const SRC_MAIN = path.join(SRC, 'cli', 'main.ts');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

let cached: string[] | undefined;

/** node arguments that run slipctl (append its own arguments). */
export function slipctlArgv(): string[] {
  if (!cached) {
    const fresh = existsSync(DIST_MAIN) && statSync(DIST_MAIN).mtimeMs >= newestMtime(SRC);
    cached = fresh ? [DIST_MAIN] : ['--require', require.resolve('tsx/cjs', { paths: [ROOT] }), SRC_MAIN];
  }
  return [...cached];
}
