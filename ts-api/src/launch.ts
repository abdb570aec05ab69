/**
 * Starting slipwayd: finding the binary, argv construction, the control
 * directory (root-owned, 0700, created when missing), spawning with its
 * output in a log file in that directory, waiting for the control file to
 * say READY, then connect().
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NETNS_LEN, VIF_NETNS_RE } from './wire/abi/control';
import { DEFAULT_CTL_DIR, checkInstance, ctlDirProblem, ctlPath, dataplaneAlive, readHeader } from './wire/ctlfile';
import { mapControlFile, openControlFile } from './client/attachment';
import { adoptLaunched } from './client/internal';
import type { ConnectOptions } from './client/options';
import { type Slipway, connect } from './client/slipway';
import { SlipwayError, abortError, check, isSlipwayError, throwIfAborted } from './errors';
import { type Logger, withMeta } from './logger';
import { PACKAGE_ROOT, loadNative } from './native';

/** Options of {@link launch}. */
export interface LaunchOptions {
  /** Instance name, [A-Za-z0-9_-]{1,31}. */
  instance: string;
  /** Ethdev devargs, added in order as port 0, 1, ... */
  ports?: string[];
  /** Worker lcore list, e.g. "1" or "1-2" (default "1"); ignored when `eal` carries its own --lcores/-l map. */
  workers?: string;
  /** Main lcore (default 0). */
  mainLcore?: number;
  /** vEth name prefix (default "vEth"). */
  vifPrefix?: string;
  /**
   * The network namespace of the vEths (`--vif-netns`): a name from `ip
   * netns` (/run/netns/NAME) or an absolute path such as /proc/PID/ns/net.
   * The TAPs are created there, and the instance's host stack (addresses,
   * routes, a routing daemon, kernel sync, the link mirror) lives there;
   * the ports' own interfaces stay where slipwayd runs. It must exist.
   */
  vifNetns?: string;
  /** --no-huge development fallback. */
  noHuge?: boolean;
  /** Mempool size. */
  mbufs?: number;
  /** IPv4 route table size (`--max-routes`, default 65536 there; 1,100,000 for a million routes). */
  maxRoutes?: number;
  /**
   * Start with kernel sync on (`--kernel-sync`): the vEths' addresses, the
   * neighbours the kernel resolves on them and main-table routes through
   * them are installed in the fast path (see {@link Slipway.kernelSync}).
   */
  kernelSync?: boolean;
  /**
   * Kernel sync's periodic audit in seconds (`--sync-audit-s`, 0..86400,
   * default 30 there, 0: never): the kernel and the fast path are compared,
   * what differs is repaired and a `sync` event `audit` gives the counts.
   */
  syncAuditS?: number;
  /**
   * Main lcore idle sleep bound in µs (`--idle-us`): how long slipwayd's
   * control loop sleeps on the request ring's futex when idle before it
   * polls ports/vEths again. A request always wakes it at once; a larger
   * value costs less CPU when idle, never request latency.
   */
  idleUs?: number;
  /**
   * Workers' polling (`--poll-mode`): 'sleep' (the default there) backs off
   * when every queue of a worker stays empty, sleeping up to
   * `idleSleepUs` and polling at full speed again from the first packet;
   * 'busy' polls without pause, as DPDK's samples do; 'interrupt' lets an
   * idle worker whose queues all have rx interrupts (net_tap) sleep until a
   * packet arrives, and backs off as 'sleep' does otherwise.
   */
  pollMode?: 'sleep' | 'busy' | 'interrupt';
  /** Longest sleep of an idle worker in µs (`--idle-sleep-us`, 1..10000, default 1000 there). */
  idleSleepUs?: number;
  /** Match-action rules the dataplane holds (`--max-rules`, default 16384 there). */
  maxRules?: number;
  /**
   * DPDK's own tools (`--dpdk-tools`): shared EAL configuration instead of
   * `--in-memory`, and the pdump server, so `dpdk-dumpcap`, `dpdk-pdump` and
   * `dpdk-proc-info` attach with `--file-prefix=slipway-<instance>`. Needs
   * hugepages (not with `noHuge`). The telemetry commands (`/slipway/...`)
   * answer with or without it.
   */
  dpdkTools?: boolean;
  /**
   * slipwayd's `--spin-us`: how long its main lcore keeps polling after its
   * last work before sleeping (default 100 there). Requests arriving within
   * it are served without a futex wake-up; costs that much main-lcore CPU
   * after each burst of work.
   */
  dataplaneSpinUs?: number;
  /**
   * Also serve newline-delimited JSON requests on a Unix stream socket at
   * this path (`--json-socket PATH`): the baseline transport of the control
   * benchmark. One client at a time.
   */
  jsonSocket?: string;
  /** Passed to connect(): see {@link ConnectOptions.spinUs}. */
  spinUs?: number;
  /** Passed to connect(): see {@link ConnectOptions.busyPollUs}. */
  busyPollUs?: number;
  /** Passed to connect(): record the configuration and replay it on a restart (ports given here included). */
  replay?: boolean;
  /** Passed to connect(): see {@link ConnectOptions.heartbeatTimeoutMs}. */
  heartbeatTimeoutMs?: number;
  /** Passed to connect(): default per-request timeout in ms. */
  timeoutMs?: number;
  /** Extra EAL arguments. */
  eal?: string[];
  /** slipwayd binary (default: env SLIPWAYD, else `slipwayd` on PATH, else the package's build/dataplane/slipwayd; see {@link findSlipwayd}). */
  binary?: string;
  /** Daemon stdout+stderr (default <ctlDir>/<instance>.log, a root-owned place; see {@link defaultLogFile}). */
  logFile?: string;
  /** Control file directory (default /run/slipway; created 0700 when missing). */
  ctlDir?: string;
  /** Spawn detached (own session) and unref'd, e.g. for `slipctl start`. */
  detached?: boolean;
  /** How long to wait for READY (default 20000 ms). */
  readyTimeoutMs?: number;
  /** Where launch() and the client log (debug/info/warn/error); default: nothing is logged. */
  logger?: Logger;
  /**
   * Ends the wait for READY (the process started is killed) or for the
   * connection: launch() rejects with ABORTED (name 'AbortError').
   */
  signal?: AbortSignal;
}

/** Where launch() puts the daemon's log unless told: `<ctlDir>/<instance>.log`, beside the control file. */
export function defaultLogFile(instance: string, ctlDir: string = DEFAULT_CTL_DIR): string {
  checkInstance(instance);
  return path.join(ctlDir, `${instance}.log`);
}

/**
 * The control directory, created (mode 0700) when missing, and checked:
 * a directory of ours with no group or other access. LAUNCH_FAILED naming
 * what is wrong otherwise (slipwayd would refuse it too).
 */
function prepareCtlDir(ctlDir: string, instance: string): void {
  try {
    fs.mkdirSync(ctlDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new SlipwayError('LAUNCH_FAILED', `instance ${instance}: cannot create ${ctlDir}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const wrong = ctlDirProblem(fs.lstatSync(ctlDir), process.geteuid?.() ?? 0);
  if (wrong) throw new SlipwayError('LAUNCH_FAILED', `instance ${instance}: control directory ${ctlDir} ${wrong}`);
}

/** Opens the default log file: no link followed, created 0600, appended to. */
function openLog(file: string, chosen: boolean): number {
  if (chosen) return fs.openSync(file, 'a');
  const { O_WRONLY, O_APPEND, O_CREAT, O_NOFOLLOW } = fs.constants;
  return fs.openSync(file, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0o600);
}

/** Where {@link findSlipwayd} looks, in order, each with where the path came from. */
export function slipwaydCandidates(
  opts: { binary?: string } = {},
  env: NodeJS.ProcessEnv = process.env,
): Array<{ path: string; from: string }> {
  if (opts.binary !== undefined) return [{ path: opts.binary, from: 'the binary option' }];
  if (env.SLIPWAYD) return [{ path: env.SLIPWAYD, from: 'env SLIPWAYD' }];
  const out: Array<{ path: string; from: string }> = [];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir !== '' && path.isAbsolute(dir)) out.push({ path: path.join(dir, 'slipwayd'), from: 'PATH' });
  }
  out.push({ path: path.join(PACKAGE_ROOT, 'build', 'dataplane', 'slipwayd'), from: 'the package build directory' });
  return out;
}

function executable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * The slipwayd binary launch() runs, looked for in this order: the
 * `binary` option, env SLIPWAYD (either is used as given, never searched
 * past), `slipwayd` in a directory of PATH, and build/dataplane/slipwayd
 * in the package (a checkout built with `npm run build:c`). Throws
 * LAUNCH_FAILED saying every place it looked.
 */
export function findSlipwayd(opts: { binary?: string } = {}, env: NodeJS.ProcessEnv = process.env): string {
  const c = slipwaydCandidates(opts, env);
  const found = c.find((x) => executable(x.path));
  if (found) return found.path;
  throw new SlipwayError(
    'LAUNCH_FAILED',
    `slipwayd not found or not executable; looked at:\n${c.map((x) => `  ${x.path} (${x.from})`).join('\n')}\n` +
      'install slipwayd on PATH, set SLIPWAYD or the binary option, or build it in a checkout (`npm run build:c`)',
  );
}

/**
 * The slipwayd binary launch() would use for `opts` ({@link findSlipwayd});
 * when none is found, the first place looked at.
 */
export function defaultBinary(opts: { binary?: string } = {}): string {
  try {
    return findSlipwayd(opts);
  } catch {
    return slipwaydCandidates(opts)[0].path;
  }
}

const LCORE_LIST_RE = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;

/**
 * The argv (without the binary) for slipwayd:
 * `--instance NAME [--port DEVARGS]... [--vif-prefix P] [--vif-netns NS] [--mbufs N] [--max-routes N] [--kernel-sync] [--sync-audit-s N] [--idle-us N] [--poll-mode M] [--idle-sleep-us N] [--max-rules N] [--dpdk-tools] [--spin-us N] [--ctl-dir D] [--json-socket PATH]
 *  -- -l MAIN,WORKERS --main-lcore MAIN [--no-huge] [eal...]`.
 * Validates every option (BAD_ARGUMENT naming the bad value).
 */
export function buildArgv(opts: LaunchOptions): string[] {
  checkInstance(opts.instance);
  const workers = opts.workers ?? '1';
  const main = opts.mainLcore ?? 0;
  check(
    typeof workers === 'string' && LCORE_LIST_RE.test(workers),
    `bad workers ${JSON.stringify(workers)}: expected an lcore list like "1" or "1-2"`,
  );
  check(Number.isInteger(main) && main >= 0, `bad mainLcore ${JSON.stringify(main)}: expected a non-negative integer`);
  const argv = ['--instance', opts.instance];
  for (const p of opts.ports ?? []) {
    check(typeof p === 'string' && p.length > 0, `bad port devargs ${JSON.stringify(p)}: expected a non-empty string`);
    argv.push('--port', p);
  }
  if (opts.vifPrefix !== undefined) {
    check(/^[A-Za-z][A-Za-z0-9_.-]{0,11}$/.test(opts.vifPrefix), `bad vifPrefix ${JSON.stringify(opts.vifPrefix)}`);
    argv.push('--vif-prefix', opts.vifPrefix);
  }
  if (opts.vifNetns !== undefined) {
    check(
      typeof opts.vifNetns === 'string' &&
        VIF_NETNS_RE.test(opts.vifNetns) &&
        Buffer.byteLength(opts.vifNetns) < NETNS_LEN,
      `bad vifNetns ${JSON.stringify(opts.vifNetns)}: expected an \`ip netns\` name of [A-Za-z0-9_.-] or an absolute path, shorter than ${NETNS_LEN} bytes`,
    );
    argv.push('--vif-netns', opts.vifNetns);
  }
  if (opts.mbufs !== undefined) {
    check(
      Number.isInteger(opts.mbufs) && opts.mbufs > 0,
      `bad mbufs ${JSON.stringify(opts.mbufs)}: expected a positive integer`,
    );
    argv.push('--mbufs', String(opts.mbufs));
  }
  if (opts.maxRoutes !== undefined) {
    check(
      Number.isInteger(opts.maxRoutes) && opts.maxRoutes >= 1024 && opts.maxRoutes <= 1 << 24,
      `bad maxRoutes ${JSON.stringify(opts.maxRoutes)}: expected an integer 1024..16777216`,
    );
    argv.push('--max-routes', String(opts.maxRoutes));
  }
  if (opts.kernelSync !== undefined) {
    check(
      typeof opts.kernelSync === 'boolean',
      `bad kernelSync ${JSON.stringify(opts.kernelSync)}: expected true or false`,
    );
    if (opts.kernelSync) argv.push('--kernel-sync');
  }
  if (opts.syncAuditS !== undefined) {
    check(
      Number.isInteger(opts.syncAuditS) && opts.syncAuditS >= 0 && opts.syncAuditS <= 86_400,
      `bad syncAuditS ${JSON.stringify(opts.syncAuditS)}: expected an integer 0..86400`,
    );
    argv.push('--sync-audit-s', String(opts.syncAuditS));
  }
  if (opts.idleUs !== undefined) {
    check(
      Number.isInteger(opts.idleUs) && opts.idleUs >= 0,
      `bad idleUs ${JSON.stringify(opts.idleUs)}: expected a non-negative integer`,
    );
    argv.push('--idle-us', String(opts.idleUs));
  }
  if (opts.pollMode !== undefined) {
    check(
      opts.pollMode === 'sleep' || opts.pollMode === 'busy' || opts.pollMode === 'interrupt',
      `bad pollMode ${JSON.stringify(opts.pollMode)}: expected "sleep", "busy" or "interrupt"`,
    );
    argv.push('--poll-mode', opts.pollMode);
  }
  if (opts.idleSleepUs !== undefined) {
    check(
      Number.isInteger(opts.idleSleepUs) && opts.idleSleepUs >= 1 && opts.idleSleepUs <= 10_000,
      `bad idleSleepUs ${JSON.stringify(opts.idleSleepUs)}: expected an integer 1..10000`,
    );
    argv.push('--idle-sleep-us', String(opts.idleSleepUs));
  }
  if (opts.maxRules !== undefined) {
    check(
      Number.isInteger(opts.maxRules) && opts.maxRules >= 1024 && opts.maxRules <= 1 << 20,
      `bad maxRules ${JSON.stringify(opts.maxRules)}: expected an integer 1024..1048576`,
    );
    argv.push('--max-rules', String(opts.maxRules));
  }
  if (opts.dpdkTools !== undefined) {
    check(
      typeof opts.dpdkTools === 'boolean',
      `bad dpdkTools ${JSON.stringify(opts.dpdkTools)}: expected true or false`,
    );
    check(
      !(opts.dpdkTools && opts.noHuge),
      "dpdkTools needs hugepages: DPDK's tools (secondary processes) cannot attach to noHuge memory",
    );
    if (opts.dpdkTools) argv.push('--dpdk-tools');
  }
  if (opts.dataplaneSpinUs !== undefined) {
    check(
      Number.isInteger(opts.dataplaneSpinUs) && opts.dataplaneSpinUs >= 0 && opts.dataplaneSpinUs <= 1_000_000,
      `bad dataplaneSpinUs ${JSON.stringify(opts.dataplaneSpinUs)}: expected an integer 0..1000000`,
    );
    argv.push('--spin-us', String(opts.dataplaneSpinUs));
  }
  if (opts.ctlDir !== undefined) argv.push('--ctl-dir', opts.ctlDir);
  if (opts.jsonSocket !== undefined) {
    check(
      typeof opts.jsonSocket === 'string' && opts.jsonSocket.length > 0 && Buffer.byteLength(opts.jsonSocket) < 108,
      `bad jsonSocket ${JSON.stringify(opts.jsonSocket)}: expected a socket path shorter than 108 bytes`,
    );
    argv.push('--json-socket', opts.jsonSocket);
  }
  // An explicit EAL lcore map (e.g. --lcores 0@0,1@1,2@1 to run more lcores
  // than CPUs) replaces the -l list built from `workers`.
  const ownMap = (opts.eal ?? []).some((a) => a === '--lcores' || a.startsWith('--lcores=') || a === '-l');
  argv.push('--');
  if (!ownMap) argv.push('-l', `${main},${workers}`);
  argv.push('--main-lcore', String(main));
  if (opts.noHuge) argv.push('--no-huge');
  argv.push(...(opts.eal ?? []));
  return argv;
}

/** Last `n` lines of a file ('' when unreadable). */
export function tailFile(file: string, n = 20): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text
      .split('\n')
      .filter((l, i, a) => l !== '' || i < a.length - 1)
      .slice(-n)
      .join('\n');
  } catch {
    return '';
  }
}

/**
 * Spawns slipwayd, waits until its control file says READY, then connects.
 * Rejects with LAUNCH_FAILED (binary missing, instance already running, the
 * process exited before READY — with the last lines of its log — or did not
 * become ready in time, in which case it is killed) or BAD_ARGUMENT.
 */
export async function launch(opts: LaunchOptions): Promise<Slipway> {
  const argv = buildArgv(opts);
  const log = withMeta(opts.logger, { instance: opts.instance });
  const signal = opts.signal;
  throwIfAborted(signal, `instance ${opts.instance}: launch`);
  const binary = findSlipwayd(opts);
  const ctlDir = opts.ctlDir ?? DEFAULT_CTL_DIR;
  const file = ctlPath(opts.instance, ctlDir);
  const logFile = opts.logFile ?? defaultLogFile(opts.instance, ctlDir);
  const readyTimeoutMs = opts.readyTimeoutMs ?? 20000;
  const native = loadNative();

  prepareCtlDir(ctlDir, opts.instance);
  if (fs.existsSync(file)) {
    let h: ReturnType<typeof readHeader> | undefined;
    try {
      h = readHeader(openControlFile(opts.instance, file, native).buf);
    } catch (e) {
      if (e instanceof SlipwayError && e.code === 'INSECURE') {
        throw new SlipwayError('LAUNCH_FAILED', e.message, { cause: e });
      }
      /* unreadable: let slipwayd decide */
    }
    if (h && h.dpPid && dataplaneAlive(h)) {
      throw new SlipwayError('LAUNCH_FAILED', `instance ${opts.instance} is already running (pid ${h.dpPid}, ${file})`);
    }
  }

  const out = openLog(logFile, opts.logFile !== undefined);
  const startedNs = BigInt(Date.now() - 1000) * 1_000_000n;
  log.info(`starting ${binary} ${argv.join(' ')}`, { logFile });
  let child;
  try {
    child = spawn(binary, argv, { stdio: ['ignore', out, out], detached: Boolean(opts.detached) });
  } finally {
    fs.closeSync(out);
  }
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  child.on('error', (e) => (spawnError = e));
  if (opts.detached) child.unref();

  const failed = (why: string) => {
    const tail = tailFile(logFile);
    return new SlipwayError(
      'LAUNCH_FAILED',
      `instance ${opts.instance}: slipwayd ${why}` +
        (tail ? `; last lines of ${logFile}:\n${tail}` : ` (log ${logFile} is empty)`),
    );
  };

  const deadline = performance.now() + readyTimeoutMs;
  for (;;) {
    try {
      await sleep(25, undefined, { signal });
    } catch (e) {
      if (!signal?.aborted) throw e;
      child.kill('SIGKILL');
      throw abortError(
        signal,
        `instance ${opts.instance}: launch (slipwayd pid ${child.pid} killed before it was ready)`,
      );
    }
    if (spawnError) throw failed(`could not be spawned: ${spawnError.message}`);
    if (exited) {
      throw failed(
        exited.signal
          ? `was killed by ${exited.signal} before becoming ready`
          : `exited with code ${exited.code} before becoming ready`,
      );
    }
    let ready: boolean;
    try {
      ready = isReady(opts.instance, file, child.pid ?? -1, startedNs, native);
    } catch (e) {
      child.kill('SIGKILL');
      throw failed(`left a control file this client refuses (killed): ${(e as Error).message}`);
    }
    if (ready) break;
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw failed(`did not become ready within ${readyTimeoutMs} ms (killed)`);
    }
  }
  const copts: ConnectOptions = {
    ctlDir,
    logger: opts.logger,
    spinUs: opts.spinUs,
    busyPollUs: opts.busyPollUs,
    replay: opts.replay,
    heartbeatTimeoutMs: opts.heartbeatTimeoutMs,
    timeoutMs: opts.timeoutMs,
    signal,
  };
  let sw: Slipway;
  try {
    sw = await connect(opts.instance, copts);
  } catch (e) {
    if (isSlipwayError(e, 'ABORTED')) child.kill('SIGTERM'); // ready, but the caller gave up: stop it cleanly
    throw e;
  }
  adoptLaunched(sw, child, opts.ports ?? [], Boolean(opts.kernelSync));
  log.info(`slipwayd ready, pid ${sw.pid}`);
  return sw;
}

// READY, checked, and created by this launch (our child's pid, or a process
// started after us when the binary is a wrapper). A file that fails the
// owner/mode/type checks is an error at once, not a wait.
function isReady(
  instance: string,
  file: string,
  childPid: number,
  startedNs: bigint,
  native: ReturnType<typeof loadNative>,
): boolean {
  let h: ReturnType<typeof readHeader>;
  try {
    h = mapControlFile(instance, file, native).h;
  } catch (e) {
    if (e instanceof SlipwayError && e.code === 'INSECURE') throw e;
    return false;
  }
  return h.dpPid === childPid || h.startTimeNs >= startedNs;
}
