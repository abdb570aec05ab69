/**
 * The C side of the ABI, for the unit tests: test/c/abi_dump.c compiled
 * against dataplane/include/slipway_ctl.h and run once per test file. It
 * prints the header's constants, struct sizes and offsets, its X-macro lists
 * and golden byte vectors of messages built with the C structs.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');

export interface Dump {
  constants: Record<string, number>;
  msgAlign: number[];
  structs: Record<string, { size: number; fields: Record<string, { offset: number; size: number }> }>;
  statuses: { name: string; value: number; desc: string }[];
  counters: string[];
  l3Counters: string[];
  golden: Record<string, string>;
}

export function buildDump(): Dump {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-abi-'));
  try {
    const exe = path.join(dir, 'abi_dump');
    execFileSync('cc', [
      '-std=c11',
      '-Wall',
      '-Wextra',
      '-Werror',
      '-I',
      path.join(ROOT, 'dataplane/include'),
      path.join(ROOT, 'test/c/abi_dump.c'),
      '-o',
      exe,
    ]);
    return JSON.parse(execFileSync(exe, { encoding: 'utf8' })) as Dump;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Bytes as lower-case hex, and back (the golden vectors' form). */
export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
export const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
