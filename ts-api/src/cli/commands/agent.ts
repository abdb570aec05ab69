/*
 * slipctl agent --config FILE: run under a service manager. Launches (or
 * attaches to) slipwayd, applies the file, starts the dataplane again when
 * it goes away, re-applies the file on SIGHUP, serves Prometheus metrics
 * and /health, logs JSON to stdout. Runs until SIGTERM or SIGINT.
 */
import { Command } from 'commander';
import { Agent, parseListen } from '../../agent/index';
import { createLogger } from '../../index';
import { globals } from '../context';
import { parseIntArg } from '../parse';

interface AgentCliOptions {
  config: string;
  metricsListen: string;
  metrics: boolean;
  binary?: string;
  dataplaneLog?: string;
  backoffMs: number;
  backoffMaxMs: number;
  sampleMs: number;
  readyTimeout?: number;
}

export function agentCommand(): Command {
  return new Command('agent')
    .description(
      'keep slipwayd running with a configuration file: launch or attach, apply, restart with back-off and re-apply, SIGHUP re-applies the file, Prometheus metrics and /health; JSON logs on stdout',
    )
    .requiredOption('-c, --config <file>', 'configuration file (YAML or JSON)')
    .option('--metrics-listen <[host:]port>', 'where /metrics and /health listen', ':9469')
    .option('--no-metrics', 'serve no HTTP endpoint')
    .option('--binary <path>', 'slipwayd binary')
    .option('--dataplane-log <file>', "slipwayd's log file")
    .option('--backoff-ms <ms>', 'first delay before starting a dataplane again', parseIntArg(0, 3_600_000), 1000)
    .option('--backoff-max-ms <ms>', 'longest delay between attempts', parseIntArg(0, 3_600_000), 30_000)
    .option('--sample-ms <ms>', 'interval of the lcore busy share', parseIntArg(100, 3_600_000), 10_000)
    .option('--ready-timeout <ms>', 'how long to wait for a launched dataplane', parseIntArg(1, 600_000))
    .action(async (o: AgentCliOptions, cmd: Command) => {
      const g = globals(cmd);
      const listen = o.metrics ? parseListen(o.metricsListen) : undefined;
      const root = createLogger({
        json: true,
        stderr: false,
        level: cmd.getOptionValueSourceWithGlobals('logLevel') === 'default' ? 'info' : g.logLevel,
        component: 'agent',
      });
      const logger = root.child({ instance: g.instance });
      const agent = new Agent({
        instance: g.instance,
        configFile: o.config,
        logger,
        ctlDir: g.ctlDir,
        listen,
        binary: o.binary,
        dataplaneLog: o.dataplaneLog,
        backoffMs: o.backoffMs,
        backoffMaxMs: o.backoffMaxMs,
        sampleMs: o.sampleMs,
        readyTimeoutMs: o.readyTimeout,
      });
      try {
        await agent.start();
      } catch (e) {
        logger.error(`cannot start: ${(e as Error).message}`, { code: (e as { code?: string }).code });
        throw e;
      }
      const onHup = () => void agent.reload();
      process.on('SIGHUP', onHup);
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      process.off('SIGHUP', onHup);
      logger.info(`${signal}: stopping`);
      await agent.stop();
      await new Promise<void>((resolve) => {
        root.on('finish', resolve);
        root.end();
        setTimeout(resolve, 500).unref();
      });
    });
}
