/*
 * Measuring peers run in the same benchmark run as slipwayd: DPDK's testpmd
 * (here) and l3fwd (./l3fwd.ts), on the same virtual ports and the same
 * single lcore.
 */
import {spawn} from 'node:child_process';
import {rmSync} from 'node:fs';

/** Mean Rx-pps testpmd reports over its last `samples` one-second periods. */
export async function testpmdRxPps(vdevs: string[], fwdMode: string, seconds: number, prefix: string): Promise<number> {
	const args = ['-l', '0,1', '--no-pci', '--in-memory', `--file-prefix=${prefix}`];
	for (const v of vdevs) args.push('--vdev', v);
	args.push('--', `--forward-mode=${fwdMode}`, '--auto-start', '--stats-period', '1');
	const child = spawn('dpdk-testpmd', args, {stdio: ['ignore', 'pipe', 'pipe']});
	let out = '';
	child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
	child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
	const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)));
	await new Promise(resolve => setTimeout(resolve, (seconds + 2) * 1000));
	child.kill('SIGINT');
	await exited;
	// --in-memory still leaves the runtime directory (telemetry socket) behind
	if (process.getuid?.() === 0) rmSync(`/var/run/dpdk/${prefix}`, {recursive: true, force: true});
	// testpmd prints per-port blocks; port 0 is the receiving one
	const pps = [...out.matchAll(/Rx-pps:\s+(\d+)/g)].map(m => Number(m[1]));
	const port0 = pps.filter((_, i) => i % 2 === 0).slice(1); // drop the first, partial period
	if (port0.length === 0) throw new Error(`testpmd printed no Rx-pps:\n${out.slice(-2000)}`);
	const tail = port0.slice(-seconds);
	return tail.reduce((a, b) => a + b, 0) / tail.length;
}

export {l3fwdMpps, type L3fwdOptions, type L3fwdResult} from './l3fwd';
