/* slipctl show config [--format yaml|json]: the running configuration, as a file `apply` accepts. */
import { Command, Option } from 'commander';
import { renderJson, renderYaml, showConfig } from '../../../config/index';
import { globals, withSlipway } from '../../context';
import { print } from '../../output';

export function showConfigCommand(): Command {
  return new Command('config')
    .description(
      'print the running configuration (ports, cross-connects, routes and neighbours set through the API, rules, policer, kernel sync) as a file `slipctl apply` accepts',
    )
    .addOption(
      new Option('--format <format>', 'output format (default yaml; json with --json)').choices(['yaml', 'json']),
    )
    .action(async (o: { format?: 'yaml' | 'json' }, cmd: Command) => {
      const g = globals(cmd);
      const format = o.format ?? (g.json ? 'json' : 'yaml');
      const shown = await withSlipway(g, (sw) => showConfig(sw));
      const opts = { instance: g.instance, leftOut: shown.leftOut, ports: shown.running.ports };
      print(format === 'json' ? renderJson(shown.config, opts) : renderYaml(shown.config, opts));
    });
}
