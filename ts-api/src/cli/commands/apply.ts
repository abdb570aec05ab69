/* slipctl apply -f FILE [--dry-run]: make the running configuration what the file says, as one transaction. */
import { Command } from 'commander';
import { applyConfig, loadConfigFile, planSummary, renderPlan } from '../../config/index';
import { cliLogger, globals, withSlipway } from '../context';
import { print, printJson } from '../output';

export function applyCommand(): Command {
  return new Command('apply')
    .description(
      'apply a configuration file (YAML or JSON): the difference from the running configuration, all of it or nothing',
    )
    .requiredOption('-f, --file <file>', 'configuration file')
    .option('--dry-run', 'print the difference, change nothing', false)
    .action(async (o: { file: string; dryRun: boolean }, cmd: Command) => {
      const g = globals(cmd);
      const file = loadConfigFile(o.file); // every error of the file before connecting
      const { plan, applied } = await withSlipway(g, (sw) =>
        applyConfig(sw, file, { dryRun: o.dryRun, logger: cliLogger(g) }),
      );
      if (g.json) {
        printJson({
          file: o.file,
          dryRun: o.dryRun,
          ...planSummary(plan),
          changes: plan.changes,
          applied: applied.length,
        });
        return;
      }
      print(renderPlan(plan, !o.dryRun));
    });
}
