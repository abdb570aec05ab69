/**
 * The one loader for the native addon (native/, node-addon-api) and the
 * typed surface it exposes. The addon only maps the control file (by path,
 * or an fd TypeScript opened and checked) and does futex wait/wake;
 * everything else is TypeScript.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SlipwayError } from './errors';

/** Result of a futex wait: woken (or spurious/EINTR), timed out, or the word did not hold `expected`. */
export type FutexWaitResult = 'ok' | 'timeout' | 'not-equal';

/** Surface of native/build/Release/slipway_native.node (native/src/addon.cc). */
export interface NativeBinding {
  /**
   * Opens `path` O_RDWR and maps the whole file MAP_SHARED. The returned
   * external ArrayBuffer unmaps when garbage-collected. Throws an Error with
   * `code` = errno name (ENOENT, EACCES...) and a message naming the path.
   */
  mapFile(path: string): ArrayBuffer;
  /**
   * Maps the whole file open at `fd` MAP_SHARED read-write (size from fstat
   * on the fd); the caller keeps and closes the fd. The mapping stays valid
   * after close and unmaps when the ArrayBuffer is garbage-collected.
   */
  mapFd(fd: number): ArrayBuffer;
  /**
   * FUTEX_WAIT (shared) on the u32 at `byteOffset` of `buf`, off the JS
   * thread. `timeoutMs` < 0 or Infinity waits forever.
   */
  futexWait(buf: ArrayBuffer, byteOffset: number, expected: number, timeoutMs: number): Promise<FutexWaitResult>;
  /** Same as futexWait, blocking the calling thread (for short waits). */
  futexWaitSync(buf: ArrayBuffer, byteOffset: number, expected: number, timeoutMs: number): FutexWaitResult;
  /** FUTEX_WAKE (shared) on the u32 at `byteOffset`; returns how many waiters were woken. */
  futexWake(buf: ArrayBuffer, byteOffset: number, count: number): number;
  /** clock_gettime(CLOCK_MONOTONIC) in nanoseconds (the dataplane heartbeat clock). */
  monotonicNs(): bigint;
}

/**
 * The package's root (the repository root in a checkout, node_modules/slipway
 * when installed): ts-api/src and ts-api/dist are both two levels below it.
 */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

/** The prebuilt addon of this platform shipped in the package: prebuilds/<platform>-<arch>/. */
export function prebuiltPath(root: string = PACKAGE_ROOT): string {
  return path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'slipway_native.node');
}

/**
 * Paths the loader tries, in order: SLIPWAY_NATIVE when set, the addon
 * built in the package (native/build/Release, then Debug: `npm run
 * build:native`, or the package's install script), then the prebuilt one
 * the package ships for this platform.
 */
export function nativeCandidates(root: string = PACKAGE_ROOT): string[] {
  const c: string[] = [];
  if (process.env.SLIPWAY_NATIVE) c.push(path.resolve(process.env.SLIPWAY_NATIVE));
  c.push(path.join(root, 'native', 'build', 'Release', 'slipway_native.node'));
  c.push(path.join(root, 'native', 'build', 'Debug', 'slipway_native.node'));
  c.push(prebuiltPath(root));
  return c;
}

let cached: NativeBinding | undefined;
let cachedPath: string | undefined;

/** The path the addon was loaded from (undefined until {@link loadNative} succeeded). */
export function loadedNativePath(): string | undefined {
  return cachedPath;
}

/**
 * Loads the addon once and returns it. Throws SlipwayError('NATIVE') listing
 * every path tried and why each failed.
 */
export function loadNative(): NativeBinding {
  if (cached) return cached;
  const tried: string[] = [];
  for (const p of nativeCandidates()) {
    if (!fs.existsSync(p)) {
      tried.push(`  ${p}: not found`);
      continue;
    }
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      cached = require(p) as NativeBinding;
      cachedPath = p;
      return cached;
    } catch (e) {
      tried.push(`  ${p}: ${(e as Error).message}`);
    }
  }
  throw new SlipwayError(
    'NATIVE',
    'cannot load the slipway native addon; tried:\n' +
      tried.join('\n') +
      '\nbuild it: `npm rebuild slipway` where it is installed (its install script runs node-gyp; npm 12 runs it' +
      ' once allowed: `npm install-scripts approve slipway`), or `npm run build:native` in a checkout',
  );
}
