/*
 * slipctl start: launch slipwayd in the background and return once it is
 * ready (and, with --config, configured). Every slipwayd option has its
 * flag here, with slipwayd's own name; `--eal` passes EAL arguments.
 */
import { Command, Option } from 'commander';
import { applyConfig, launchOptionsOf, loadConfigFile, renderPlan } from '../../config/index';
import { buildArgv, ctlPath, defaultLogFile, launch, type LaunchOptions } from '../../index';
import { cliLogger, globals } from '../context';
import { UsageError } from '../errors';
import { portsTable, print, printJson } from '../output';
import { collect, parseIntArg } from '../parse';

interface StartOptions {
  port: string[];
  workers: string;
  mainLcore?: number;
  vifPrefix?: string;
  vifNetns?: string;
  huge: boolean;
  mbufs?: number;
  maxRoutes?: number;
  maxRules?: number;
  kernelSync?: boolean;
  syncAuditS?: number;
  spinUs?: number;
  idleUs?: number;
  pollMode?: 'sleep' | 'busy' | 'interrupt';
  idleSleepUs?: number;
  jsonSocket?: string;
  dpdkTools?: boolean;
  eal: string[];
  binary?: string;
  logFile?: string;
  readyTimeout?: number;
  config?: string;
}

export function startCommand(): Command {
  return new Command('start')
    .description(
      'launch slipwayd in the background and wait until it is ready; options given here win over the --config file',
    )
    .option('-p, --port <devargs>', 'port devargs, e.g. net_af_packet0,iface=eth1 (repeatable)', collect, [])
    .option('-w, --workers <lcores>', 'worker lcores (EAL list, e.g. 1 or 1-3)', '1')
    .option('--main-lcore <n>', 'lcore of the control loop (default 0)', parseIntArg(0, 1023))
    .option('--vif-prefix <prefix>', 'name prefix of the vEth (TAP) interfaces (default vEth)')
    .option(
      '--vif-netns <name>',
      'network namespace of the vEths (an `ip netns` name or a path; it must exist): their host stack, kernel sync and link mirror live there',
    )
    .option('--no-huge', 'run without hugepages (development only)')
    .option('--mbufs <n>', 'mbufs in the mempool (default 16383)', parseIntArg(1, 1 << 24))
    .option(
      '--max-routes <n>',
      'IPv4 route table size (default 65536; 1100000 for a million routes)',
      parseIntArg(1024, 1 << 24),
    )
    .option('--max-rules <n>', 'match-action rules the dataplane holds (default 16384)', parseIntArg(1024, 1 << 20))
    .option('--kernel-sync', "start with kernel sync on: the vEths' addresses, neighbours and routes in the fast path")
    .option(
      '--sync-audit-s <n>',
      "kernel sync's periodic audit every N seconds, 0: never (default 30)",
      parseIntArg(0, 86_400),
    )
    .option(
      '--spin-us <n>',
      'the control loop keeps polling this long after its last work, µs (default 100)',
      parseIntArg(0, 1_000_000),
    )
    .option('--idle-us <n>', 'bound on the control loop idle sleep, µs (default 200)', parseIntArg(0, 1_000_000))
    .addOption(
      new Option(
        '--poll-mode <mode>',
        'workers: sleep (back off when idle, the default), busy (always poll) or interrupt (wait for rx interrupts where the driver has them)',
      ).choices(['sleep', 'busy', 'interrupt']),
    )
    .option(
      '--idle-sleep-us <n>',
      'longest sleep of an idle worker, µs (default 1000; the first packet ends it)',
      parseIntArg(1, 10_000),
    )
    .option('--json-socket <path>', 'also serve newline-delimited JSON on this Unix socket (benchmark baseline)')
    .option(
      '--dpdk-tools',
      'shared EAL configuration and the pdump server: dpdk-dumpcap, dpdk-pdump, dpdk-proc-info attach with --file-prefix=slipway-<instance>',
    )
    .option('--eal <arg>', 'extra EAL argument (repeatable)', collect, [])
    .option('--binary <path>', 'slipwayd binary (default: env SLIPWAYD, slipwayd on PATH, the package build)')
    .option('--log-file <path>', 'slipwayd log file (default <ctl-dir>/<instance>.log)')
    .option('--ready-timeout <ms>', 'how long to wait for the dataplane to be ready', parseIntArg(1, 600_000))
    .option(
      '--config <file>',
      'configuration file: its ports and dataplane section start slipwayd (options given here win), then it is applied',
    )
    .action(async (o: StartOptions, cmd: Command) => {
      const g = globals(cmd);
      const logger = cliLogger(g);
      const file = o.config === undefined ? undefined : loadConfigFile(o.config);
      if (file && o.port.length > 0) throw new UsageError('--port and --config: the ports come from the file');
      const given = (k: string) => cmd.getOptionValueSource(k) === 'cli';
      const fromFile: Omit<LaunchOptions, 'instance'> = file ? launchOptionsOf(file.config) : {};
      const opts: LaunchOptions = {
        ...fromFile,
        instance: g.instance,
        ports: file ? fromFile.ports : o.port,
        workers: file && !given('workers') ? (fromFile.workers ?? o.workers) : o.workers,
        mainLcore: o.mainLcore ?? fromFile.mainLcore,
        vifPrefix: o.vifPrefix ?? fromFile.vifPrefix,
        vifNetns: o.vifNetns ?? fromFile.vifNetns,
        noHuge: given('huge') ? !o.huge : (fromFile.noHuge ?? !o.huge),
        mbufs: o.mbufs ?? fromFile.mbufs,
        maxRoutes: o.maxRoutes ?? fromFile.maxRoutes,
        maxRules: o.maxRules ?? fromFile.maxRules,
        kernelSync: o.kernelSync ?? fromFile.kernelSync,
        syncAuditS: o.syncAuditS ?? fromFile.syncAuditS,
        dataplaneSpinUs: o.spinUs ?? fromFile.dataplaneSpinUs,
        idleUs: o.idleUs ?? fromFile.idleUs,
        pollMode: o.pollMode ?? fromFile.pollMode,
        idleSleepUs: o.idleSleepUs ?? fromFile.idleSleepUs,
        jsonSocket: o.jsonSocket,
        dpdkTools: o.dpdkTools ?? fromFile.dpdkTools,
        eal: o.eal.length > 0 ? o.eal : fromFile.eal,
        binary: o.binary,
        logFile: o.logFile,
        ctlDir: g.ctlDir,
        readyTimeoutMs: o.readyTimeout,
        detached: true,
        logger,
      };
      buildArgv(opts); // every option checked before anything starts (BAD_ARGUMENT: exit 2)
      const sw = await launch(opts);
      try {
        if (file) {
          try {
            const { plan } = await applyConfig(sw, file, { logger });
            if (!g.json) print(renderPlan(plan, true));
          } catch (e) {
            logger.error(`${file.source} could not be applied; stopping slipwayd`);
            await sw.shutdown();
            throw e;
          }
        }
        const ports = await sw.ports.list();
        const logFile = o.logFile ?? defaultLogFile(g.instance, g.ctlDir);
        logger.info('slipwayd ready', { pid: sw.pid, ports: ports.length });
        if (g.json) {
          printJson({ instance: g.instance, pid: sw.pid, ctlPath: ctlPath(g.instance, g.ctlDir), logFile, ports });
        } else {
          print(
            `slipwayd pid ${sw.pid} ready: instance ${g.instance}, control ${ctlPath(g.instance, g.ctlDir)}, log ${logFile}`,
          );
          print(portsTable(ports));
        }
      } finally {
        // Release the client slot; the detached daemon keeps running.
        await sw.close();
      }
    });
}
