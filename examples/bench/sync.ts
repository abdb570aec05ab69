/*
 * Kernel sync following a full table: N IPv4 routes (/24s through vEth1)
 * installed in the kernel with `ip -batch`, then deleted the same way. The
 * peer is the kernel's own time for the batch (ip -batch from start to
 * exit, in the same run); slipway's figure is the time until the fast path
 * has them all (the routes kernel sync installed, read over the control
 * ring every 5 ms), and the lag after the kernel finished. Beside them:
 * the same batches with sync off (the kernel alone: what listening costs
 * it on a 2-CPU machine), and sync's own pace with the kernel out of the
 * way (sync turned off and on with the routes in the kernel: a full resync
 * dumps and installs them all). Target: lag
 * <= 1 s for 1,000,000 routes. Published figures to compare the rate with
 * (not measured here): VPP linux-cp takes 2,048 netlink messages per 50 ms
 * batch by default (about 41k routes/s); FRR installs about 6.7k routes/s
 * into the kernel.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launch, type Slipway } from '../../ts-api/src/index';

const VIF = 'kcb';
const SIZES = [100_000, 1_000_000];

function ip(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = spawn('ip', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    c.on('error', reject);
    c.on('exit', (code) => resolve(code ?? -1));
  });
}

function batch(n: number, verb: 'add' | 'del'): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++)
    lines.push(
      `route ${verb} ${32 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.0/24 via 10.250.1.2 dev ${VIF}1 proto static`,
    );
  return `${lines.join('\n')}\n`;
}

interface Phase {
  kernelMs: number;
  fastPathMs: number;
  lagMs: number;
}

/* One batch: the kernel's time, the fast path's and the lag; waits until
 * the sync's route count reaches want (or 120 s). */
async function phase(sw: Slipway, file: string, want: number): Promise<Phase> {
  const t0 = performance.now();
  const code = await ip(['-batch', file]);
  const tk = performance.now();
  if (code !== 0) throw new Error(`ip -batch ${file} exited ${code}`);
  let got = -1;
  while (performance.now() - tk < 120_000) {
    got = (await sw.kernelSync.get()).routes;
    if (got === want) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const tf = performance.now();
  if (got !== want) throw new Error(`kernel sync has ${got} routes after 120 s, not ${want}`);
  return { kernelMs: tk - t0, fastPathMs: tf - t0, lagMs: tf - tk };
}

export async function benchSync(): Promise<Record<string, number | null>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'slipway-bench-sync-'));
  const sw = await launch({
    instance: 'bench-sync',
    ports: ['net_null0,no-rx=1', 'net_null1,no-rx=1'],
    workers: '1',
    vifPrefix: VIF,
    maxRoutes: 1_100_000,
    kernelSync: true,
    syncAuditS: 0,
    readyTimeoutMs: 60_000,
  });
  const out: Record<string, number | null> = {};
  try {
    if ((await ip(['addr', 'add', '10.250.1.1/24', 'dev', `${VIF}1`])) !== 0) throw new Error('ip addr add');
    await ip(['link', 'set', 'dev', `${VIF}1`, 'up']);
    await new Promise((r) => setTimeout(r, 500));
    const base = (await sw.kernelSync.get()).routes;
    for (const n of SIZES) {
      const k = n >= 1_000_000 ? `${n / 1_000_000}m` : `${n / 1000}k`;
      const files = { add: path.join(dir, `add-${n}.batch`), del: path.join(dir, `del-${n}.batch`) };
      writeFileSync(files.add, batch(n, 'add'));
      writeFileSync(files.del, batch(n, 'del'));
      for (const verb of ['add', 'del'] as const) {
        const p = await phase(sw, files[verb], verb === 'add' ? base + n : base);
        out[`kernel_${verb}_${k}_s`] = p.kernelMs / 1000;
        out[`slipway_${verb}_${k}_s`] = p.fastPathMs / 1000;
        out[`slipway_${verb}_${k}_lag_s`] = p.lagMs / 1000;
        out[`kernel_${verb}_${k}_routes_per_s`] = n / (p.kernelMs / 1000);
        out[`slipway_${verb}_${k}_routes_per_s`] = n / (p.fastPathMs / 1000);
        if (verb === 'add') {
          // sync's own pace, the kernel out of the way: off, then on again (a full resync dumps them all)
          await sw.kernelSync.set(false);
          // turning off removes what it installed a bounded part per poll: wait for the end of it
          while ((await sw.kernelSync.get()).routes > 0) await new Promise((r) => setTimeout(r, 10));
          const t0 = performance.now();
          await sw.kernelSync.set(true);
          for (;;) {
            const st = await sw.kernelSync.get();
            if ((st.routes === base + n && !st.resyncing) || performance.now() - t0 > 120_000) break;
            await new Promise((r) => setTimeout(r, 5));
          }
          out[`slipway_resync_${k}_s`] = (performance.now() - t0) / 1000;
          out[`slipway_resync_${k}_routes_per_s`] = n / ((performance.now() - t0) / 1000);
        }
      }
      // the kernel alone (sync off: nobody in slipwayd reads the notifications)
      await sw.kernelSync.set(false);
      for (const verb of ['add', 'del'] as const) {
        const t0 = performance.now();
        if ((await ip(['-batch', files[verb]])) !== 0) throw new Error(`ip -batch ${files[verb]}`);
        out[`kernel_alone_${verb}_${k}_s`] = (performance.now() - t0) / 1000;
      }
      await sw.kernelSync.set(true);
      while ((await sw.kernelSync.get()).resyncing) await new Promise((r) => setTimeout(r, 10));
      rmSync(files.add);
      rmSync(files.del);
    }
    const st = await sw.kernelSync.get();
    out.resyncs_during_bench = st.resyncs;
    out.bgp_100k_s = null; // FRR learning from a BGP peer: not measured here
  } finally {
    await ip(['addr', 'flush', 'dev', `${VIF}1`]);
    await sw.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
