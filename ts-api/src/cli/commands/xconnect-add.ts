/* slipctl xconnect add IN OUT */
import {Command} from 'commander';
import {globals, withSlipway} from '../context';
import {print, printJson} from '../output';
import {parsePort} from '../parse';

export function xconnectAddCommand(): Command {
	return new Command('add')
		.description('forward everything received on IN out of OUT on the fast path')
		.argument('<in>', 'ingress port', parsePort)
		.argument('<out>', 'egress port', parsePort)
		.action(async (inPort: number, outPort: number, _o: unknown, cmd: Command) => {
			const g = globals(cmd);
			await withSlipway(g, async sw => sw.xconnects.add(inPort, outPort));
			if (g.json) {
				printJson({inPort, outPort});
			} else {
				print(`cross-connect ${inPort} -> ${outPort} added`);
			}
		});
}
