/**
 * The agent: what a service manager runs. It owns the desired
 * configuration (a file) and keeps the dataplane holding it:
 *
 * - start: reads the file (an invalid file fails at once), attaches to the
 *   running instance or launches slipwayd (the file's ports and `dataplane`
 *   section), applies the file, serves /metrics and /health, and tells
 *   systemd it is ready;
 * - the dataplane goes away (crash, kill, restart by someone else): launched
 *   again with back-off (doubling from `backoffMs` to `backoffMaxMs`, reset
 *   once a dataplane stayed up for `stableMs`), the file applied again;
 * - reload (SIGHUP): the file read again and the difference applied (an
 *   invalid file or a failed apply is logged; the running configuration
 *   stays as it was);
 * - stop (SIGTERM): a dataplane the agent launched is stopped; one it
 *   attached to keeps running.
 *
 * Every log line is JSON on stdout (journald keeps it).
 */
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Slipway, connect } from '../client/slipway';
import { applyConfig, launchOptionsOf, loadConfigFile, type LoadedConfig } from '../config/index';
import { SlipwayError } from '../errors';
import { launch } from '../launch';
import type { Logger } from '../logger';
import { type Health, serveMetrics } from './http';
import { DataplaneMetrics } from './metrics';
import { sdNotify } from './notify';

export interface AgentOptions {
  instance: string;
  /** the configuration file */
  configFile: string;
  logger: Logger;
  ctlDir?: string;
  /** where /metrics and /health listen; undefined: not served */
  listen?: { host?: string; port: number };
  /** slipwayd binary (default: launch()'s) */
  binary?: string;
  /** slipwayd's log file (default: launch()'s) */
  dataplaneLog?: string;
  /** first delay before launching again, ms (default 1000) */
  backoffMs?: number;
  /** longest delay, ms (default 30000) */
  backoffMaxMs?: number;
  /** a dataplane up this long resets the back-off, ms (default 60000) */
  stableMs?: number;
  /** lcore busy sampling interval, ms (default 10000) */
  sampleMs?: number;
  /** how long to wait for a launched dataplane, ms */
  readyTimeoutMs?: number;
}

type AgentState = 'starting' | 'up' | 'down' | 'stopping';

export class Agent {
  readonly metrics: DataplaneMetrics;
  private sw?: Slipway;
  private file!: LoadedConfig;
  private state: AgentState = 'starting';
  private launched = false;
  private restarts = 0;
  private upSince = 0;
  private lastError?: string;
  private lastApply?: { at: string; changes: number; source: string };
  private server?: Server;
  private recovering?: Promise<void>;
  private readonly log: Logger;

  constructor(readonly opts: AgentOptions) {
    this.log = opts.logger;
    this.metrics = new DataplaneMetrics({
      client: () => (this.state === 'up' ? this.sw : undefined),
      restarts: () => this.restarts,
    });
  }

  /** What /health answers. */
  health(): Health {
    const up = this.state === 'up' && this.sw?.isAlive() === true;
    return {
      up,
      state: this.state,
      instance: this.opts.instance,
      pid: up ? this.sw!.pid : null,
      restarts: this.restarts,
      config: this.opts.configFile,
      lastApply: this.lastApply ?? null,
      lastError: this.lastError ?? null,
    };
  }

  /** The client the agent holds while the dataplane is up (tools that embed the agent, tests). */
  get client(): Slipway | undefined {
    return this.state === 'up' ? this.sw : undefined;
  }

  /** The pid of the dataplane the agent holds (0 when none). */
  get dataplanePid(): number {
    return this.sw?.pid ?? 0;
  }

  /** Reads the file, brings the dataplane up with it, serves metrics, says ready. Throws when it cannot. */
  async start(): Promise<void> {
    this.file = loadConfigFile(this.opts.configFile);
    this.log.info('configuration read', { config: this.file.source });
    try {
      await this.bringUp();
    } catch (e) {
      await this.stop();
      throw e;
    }
    if (this.opts.listen) {
      this.server = await serveMetrics(this.opts.listen, this.metrics.registry, () => this.health());
      this.log.info('serving /metrics and /health', {
        host: this.opts.listen.host ?? '*',
        port: (this.server.address() as { port: number }).port,
      });
    }
    this.metrics.startSampling(this.opts.sampleMs ?? 10_000);
    await sdNotify(['READY=1', `STATUS=dataplane pid ${this.dataplanePid}, configuration applied`], this.log);
  }

  /** The port /metrics is served on (0 when not served). */
  get metricsPort(): number {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : 0;
  }

  /** SIGHUP: reads the file again and applies the difference. */
  async reload(): Promise<void> {
    await sdNotify(['RELOADING=1'], this.log);
    try {
      let file: LoadedConfig;
      try {
        file = loadConfigFile(this.opts.configFile);
      } catch (e) {
        this.fail('reload: the configuration is invalid, the running one stays', e);
        return;
      }
      this.file = file;
      if (this.state !== 'up' || !this.sw) {
        this.log.info('reload: configuration read; it is applied when the dataplane is back');
        return;
      }
      await this.apply('reload');
    } finally {
      await sdNotify(['READY=1', `STATUS=dataplane pid ${this.dataplanePid}`], this.log);
    }
  }

  /** SIGTERM: stops serving; stops the dataplane if the agent launched it. */
  async stop(): Promise<void> {
    if (this.state === 'stopping') return;
    this.state = 'stopping';
    await sdNotify(['STOPPING=1'], this.log);
    this.metrics.stopSampling();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    const sw = this.sw;
    this.sw = undefined;
    if (!sw) return;
    if (this.launched && sw.isAlive()) {
      this.log.info('stopping the dataplane', { pid: sw.pid });
      await sw.shutdown().catch((e: Error) => this.log.error(`stopping the dataplane: ${e.message}`));
    } else {
      this.log.info('leaving the dataplane running', { pid: sw.pid });
      await sw.close();
    }
  }

  /** Attaches or launches, then applies the file; on failure, recovers in the background. */
  private async bringUp(): Promise<void> {
    await this.attachOrLaunch();
    await this.apply('start');
    this.state = 'up';
  }

  private async attachOrLaunch(): Promise<void> {
    const { instance, ctlDir } = this.opts;
    let sw: Slipway;
    try {
      sw = await connect(instance, { ctlDir, logger: this.log });
      this.launched = false;
      this.log.info('attached to the running dataplane', { pid: sw.pid });
    } catch (e) {
      if (!(e instanceof SlipwayError) || e.code !== 'NOT_RUNNING') throw e;
      sw = await launch({
        ...launchOptionsOf(this.file.config),
        instance,
        ctlDir,
        binary: this.opts.binary,
        logFile: this.opts.dataplaneLog,
        readyTimeoutMs: this.opts.readyTimeoutMs,
        logger: this.log,
      });
      this.launched = true;
      this.log.info('launched the dataplane', { pid: sw.pid });
    }
    this.sw = sw;
    this.state = 'starting'; // 'up' once the file is applied (or its apply failed on a running dataplane)
    this.upSince = Date.now();
    const lost = (why: string) => {
      if (this.sw !== sw || this.state === 'down' || this.state === 'stopping') return;
      this.log.warn(`dataplane pid ${sw.pid} ${why}`);
      this.state = 'down';
      void sdNotify([`STATUS=dataplane ${why}; starting it again`], this.log);
      this.recovering ??= this.recover().finally(() => (this.recovering = undefined));
    };
    sw.on('dataplane-gone', (ev) => lost(`gone (${ev.reason})`));
    sw.on('dataplane-restarted', (ev) => lost(`replaced by pid ${ev.newPid}`));
  }

  private async apply(why: string): Promise<void> {
    const sw = this.sw!;
    const { applied } = await applyConfig(sw, this.file, { logger: this.log });
    this.lastApply = { at: new Date().toISOString(), changes: applied.length, source: this.file.source };
    this.lastError = undefined;
    this.log.info(`${why}: configuration applied`, {
      changes: applied.length,
      items: applied.slice(0, 50).map((c) => `${c.action} ${c.item}`),
    });
  }

  /** Brings a dataplane back (with back-off) and applies the file to it. */
  private async recover(): Promise<void> {
    const base = this.opts.backoffMs ?? 1000;
    const max = this.opts.backoffMaxMs ?? 30_000;
    const stable = this.opts.stableMs ?? 60_000;
    let delay = Date.now() - this.upSince >= stable ? 0 : base;
    const old = this.sw;
    this.sw = undefined;
    await old?.close().catch(() => {});
    while (this.state === 'down') {
      if (delay > 0) {
        this.log.info(`starting the dataplane again in ${delay} ms`);
        await sleep(delay);
        if (this.state !== 'down') return;
      }
      try {
        this.restarts++;
        await this.attachOrLaunch();
        try {
          await this.apply('restart');
        } finally {
          // up even when the file did not apply: the dataplane runs, /health says what failed
          if ((this.state as AgentState) === 'starting') this.state = 'up';
        }
        await sdNotify([`STATUS=dataplane pid ${this.dataplanePid}, configuration applied`], this.log);
        return;
      } catch (e) {
        this.fail('restart failed', e);
        if ((this.sw as Slipway | undefined)?.isAlive() && (this.state as AgentState) === 'up') {
          // up but not configured: keep it, the configuration may apply later (SIGHUP)
          return;
        }
        this.state = 'down';
        delay = Math.min(max, Math.max(base, delay * 2));
      }
    }
  }

  private fail(what: string, e: unknown): void {
    const err = e instanceof Error ? e : new Error(String(e));
    this.lastError = `${what}: ${err.message}`;
    this.log.error(this.lastError, { code: err instanceof SlipwayError ? err.code : undefined });
  }
}
