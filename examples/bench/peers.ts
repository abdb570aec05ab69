/*
 * Measuring peers run in the same benchmark run as slipwayd: DPDK's testpmd
 * (here) and l3fwd (./l3fwd.ts), on the same virtual ports and the same
 * single lcore.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/** Mean Rx-pps testpmd reports over its last `samples` one-second periods. */
export async function testpmdRxPps(vdevs: string[], fwdMode: string, seconds: number, prefix: string): Promise<number> {
  const args = ['-l', '0,1', '--no-pci', '--in-memory', `--file-prefix=${prefix}`];
  for (const v of vdevs) args.push('--vdev', v);
  args.push('--', `--forward-mode=${fwdMode}`, '--auto-start', '--stats-period', '1');
  const child = spawn('dpdk-testpmd', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise((resolve) => setTimeout(resolve, (seconds + 2) * 1000));
  child.kill('SIGINT');
  await exited;
  // --in-memory still leaves the runtime directory (telemetry socket) behind
  if (process.getuid?.() === 0) rmSync(`/var/run/dpdk/${prefix}`, { recursive: true, force: true });
  // testpmd prints per-port blocks; port 0 is the receiving one
  const pps = [...out.matchAll(/Rx-pps:\s+(\d+)/g)].map((m) => Number(m[1]));
  const port0 = pps.filter((_, i) => i % 2 === 0).slice(1); // drop the first, partial period
  if (port0.length === 0) throw new Error(`testpmd printed no Rx-pps:\n${out.slice(-2000)}`);
  const tail = port0.slice(-seconds);
  return tail.reduce((a, b) => a + b, 0) / tail.length;
}

/** A testpmd running in the background (startTestpmd). */
export interface Testpmd {
  child: ChildProcess;
  /** Everything testpmd printed so far (the last 64 KiB). */
  output(): string;
  /** Resolves once testpmd forwards ("Press enter to exit"); throws with its output if it exits first or takes longer than timeoutMs. */
  ready(timeoutMs?: number): Promise<void>;
  /**
   * Ends testpmd's stdin: it stops forwarding, prints its per-port
   * "Forward statistics" and exits; SIGINT after 5 s, SIGKILL after 10 s.
   * Returns its output. Idempotent.
   */
  stop(): Promise<string>;
}

export interface TestpmdOptions {
  /** EAL --file-prefix (its runtime directory is removed by stop()) */
  prefix: string;
  /** --forward-mode (default io) */
  fwdMode?: string;
  /** EAL -l: main lcore first, then the forwarding lcore (default "0,1", as slipwayd's main 0 / worker 1) */
  lcores?: string;
}

/**
 * Starts `dpdk-testpmd --no-pci --in-memory` on `vdevs` in non-interactive
 * mode with --auto-start. Its stdin is a pipe held open: without
 * --stats-period testpmd forwards until stdin gives it a line or EOF.
 */
export function startTestpmd(vdevs: string[], opts: TestpmdOptions): Testpmd {
  const args = ['-l', opts.lcores ?? '0,1', '--no-pci', '--in-memory', `--file-prefix=${opts.prefix}`];
  for (const v of vdevs) args.push('--vdev', v);
  args.push('--', `--forward-mode=${opts.fwdMode ?? 'io'}`, '--auto-start');
  // line-buffered stdout, or "Press enter to exit" arrives only at exit
  const child = spawn('stdbuf', ['-oL', 'dpdk-testpmd', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const collect = (d: Buffer) => {
    out = (out + d.toString()).slice(-65536);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  child.stdin!.on('error', () => {
    /* testpmd exited first: nothing to tell it */
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  return {
    child,
    output: () => out,
    async ready(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!out.includes('Press enter to exit')) {
        if (!running())
          throw new Error(
            `testpmd exited during start-up (${child.exitCode ?? child.signalCode}):\n${out.slice(-3000)}`,
          );
        if (Date.now() > deadline)
          throw new Error(`testpmd not forwarding after ${timeoutMs} ms:\n${out.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      if (running()) {
        child.stdin!.end();
        const int = setTimeout(() => child.kill('SIGINT'), 5000);
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(int);
        clearTimeout(kill);
      }
      process.off('exit', killOnExit);
      // --in-memory still leaves the runtime directory (telemetry socket) behind
      if (process.getuid?.() === 0) rmSync(`/var/run/dpdk/${opts.prefix}`, { recursive: true, force: true });
      return out;
    },
  };
}

/** A port's block of testpmd's "Forward statistics" (printed when forwarding stops). */
export interface TestpmdPortStats {
  port: number;
  rxPackets: number;
  rxDropped: number;
  txPackets: number;
  txDropped: number;
}

/** Parses the last "Forward statistics for port N" blocks of testpmd's output. */
export function testpmdForwardStats(out: string): TestpmdPortStats[] {
  const byPort = new Map<number, TestpmdPortStats>();
  const re =
    /Forward statistics for port (\d+)\s*-+\s*RX-packets:\s*(\d+)\s+RX-dropped:\s*(\d+)\s+RX-total:\s*\d+\s+TX-packets:\s*(\d+)\s+TX-dropped:\s*(\d+)/g;
  for (const m of out.matchAll(re)) {
    byPort.set(Number(m[1]), {
      port: Number(m[1]),
      rxPackets: Number(m[2]),
      rxDropped: Number(m[3]),
      txPackets: Number(m[4]),
      txDropped: Number(m[5]),
    });
  }
  return [...byPort.values()].sort((a, b) => a.port - b.port);
}

export { l3fwdMpps, type L3fwdOptions, type L3fwdResult } from './l3fwd';
