/*
 * npm run bench -- <name> [--json] [--seconds N]
 *
 * Every benchmark measures slipway and a peer (testpmd, l3fwd, the plain
 * kernel path, a baseline) in the same run and prints their ratio: these
 * machines are shared and noisy, so absolute numbers mean little.
 */
import {benchXconnect} from './xconnect';

const benches: Record<string, {what: string; run: (seconds: number) => Promise<Record<string, number>>}> = {
	xconnect: {what: 'cross-connect forwarding, 64-byte UDP, 1 worker: slipwayd vs testpmd io', run: benchXconnect},
};

async function main(): Promise<number> {
	const args = process.argv.slice(2);
	const json = args.includes('--json');
	const si = args.indexOf('--seconds');
	const seconds = si >= 0 ? Number(args[si + 1]) : 5;
	const names = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--seconds');
	const chosen = names.length > 0 ? names : Object.keys(benches);
	const unknown = chosen.filter(n => !(n in benches));
	if (unknown.length > 0 || !(seconds > 0)) {
		console.error(`usage: npm run bench -- [${Object.keys(benches).join('|')}] [--json] [--seconds N]`);
		return 2;
	}

	const results: Record<string, number> = {};
	for (const name of chosen) {
		const b = benches[name]!;
		if (!json) console.log(`== ${name}: ${b.what}`);
		const r = await b.run(seconds);
		Object.assign(results, r);
		if (!json) for (const [k, v] of Object.entries(r)) console.log(`  ${k.padEnd(28)} ${v.toFixed(k.includes('ratio') ? 3 : 2)}`);
	}

	if (json) console.log(JSON.stringify(results));
	return 0;
}

main().then(code => { process.exitCode = code; }, (error: unknown) => {
	console.error(`bench: ${(error as Error).stack ?? String(error)}`);
	process.exitCode = 1;
});
