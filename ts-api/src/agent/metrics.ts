/**
 * Prometheus metrics of one dataplane (prom-client), read at every scrape:
 * per port counters (fast path and device), the punt and drop classes and
 * the policer's drops per port, per lcore busy share over the last sampling
 * interval (from the busy/idle poll counters), table sizes, rule counters,
 * mbufs. Counters are the dataplane's own, so they restart from 0 with a
 * restarted dataplane (Prometheus treats that as a counter reset).
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { Slipway } from '../client/slipway';
import type { RuleEntry } from '../codec/rules';
import { lcoreBusyPercent, type Stats } from '../codec/stats';
import { DEV_STATS_FIELDS, L3_COUNTERS, PORT_COUNTERS } from '../wire/abi/stats';

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** Where each L3 counter goes: punt class, drop reason, policer class, or a metric of its own. */
function l3Metric(name: string): { metric: string; label?: [string, string] } {
  if (name.startsWith('punt_')) return { metric: 'punt', label: ['class', name.slice(5)] };
  if (name.startsWith('drop_')) return { metric: 'drop', label: ['reason', name.slice(5)] };
  if (name.startsWith('police_')) return { metric: 'policer_drops', label: ['class', name.slice(7)] };
  if (name === 'rule_drops') return { metric: 'drop', label: ['reason', 'rule'] };
  if (name === 'rule_punts') return { metric: 'punt', label: ['class', 'rule'] };
  return { metric: name };
}

/** What a scrape reads: the current client (undefined while the dataplane is down). */
export interface MetricsSource {
  client(): Slipway | undefined;
  /** the agent's own counts */
  restarts(): number;
}

/** One lcore's time counters at a sample. */
interface LcoreSample {
  busyNs: bigint;
  idleNs: bigint;
  sleepNs: bigint;
}

export class DataplaneMetrics {
  readonly registry = new Registry();
  /** busy time per lcore over the last interval, percent of its time (busy, idle polling, asleep) */
  private busy = new Map<number, { role: string; percent: number }>();
  private last = new Map<number, LcoreSample>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly source: MetricsSource,
    private readonly prefix = 'slipway_',
  ) {
    const r = [this.registry];
    const p = this.prefix;
    const self = this;
    new Gauge({
      name: `${p}up`,
      help: 'The dataplane is up (1) or not (0).',
      registers: r,
      collect() {
        this.set(self.source.client()?.isAlive() ? 1 : 0);
      },
    });
    new Counter({
      name: `${p}agent_dataplane_restarts_total`,
      help: 'Dataplanes the agent started again after the previous one went away.',
      registers: r,
      collect() {
        this.reset();
        this.inc(self.source.restarts());
      },
    });
    // The dataplane's metrics: one read per scrape, shared by every collector.
    let pending: Promise<{ stats: Stats; rules: RuleEntry[] } | undefined> | undefined;
    const read = () => {
      pending ??= this.read().finally(() => setImmediate(() => (pending = undefined)));
      return pending;
    };
    const counter = (
      name: string,
      help: string,
      labelNames: string[],
      fill: (c: Counter<string>, s: { stats: Stats; rules: RuleEntry[] }) => void,
    ) =>
      new Counter({
        name: `${p}${name}`,
        help,
        labelNames,
        registers: r,
        async collect() {
          this.reset();
          const s = await read();
          if (s) fill(this, s);
        },
      });
    const gauge = (
      name: string,
      help: string,
      labelNames: string[],
      fill: (g: Gauge<string>, s: { stats: Stats; rules: RuleEntry[] }) => void,
    ) =>
      new Gauge({
        name: `${p}${name}`,
        help,
        labelNames,
        registers: r,
        async collect() {
          this.reset();
          const s = await read();
          if (s) fill(this, s);
        },
      });

    for (const name of PORT_COUNTERS) {
      const key = camel(name) as keyof Stats['ports'][number];
      counter(`port_${name}_total`, `Per port fast-path counter ${name} (summed over lcores).`, ['port'], (c, s) => {
        for (const port of s.stats.ports) c.inc({ port: String(port.port) }, Number(port[key] as bigint));
      });
    }
    for (const name of DEV_STATS_FIELDS) {
      const key = camel(name) as keyof Stats['ports'][number]['dev'];
      counter(`port_dev_${name}_total`, `Per port device counter ${name} (rte_eth_stats).`, ['port'], (c, s) => {
        for (const port of s.stats.ports) c.inc({ port: String(port.port) }, Number(port.dev[key]));
      });
    }
    const l3 = new Map<string, { label?: string; entries: [string, string | undefined][] }>();
    for (const name of L3_COUNTERS) {
      const m = l3Metric(name);
      const e = l3.get(m.metric) ?? { label: m.label?.[0], entries: [] };
      e.entries.push([camel(name), m.label?.[1]]);
      l3.set(m.metric, e);
    }
    const L3_HELP: Record<string, string> = {
      punt: 'Frames punted to the ingress port vEth, by punt class (rule: by a rule).',
      drop: 'Frames dropped, by reason (rule: by a rule).',
      policer_drops: 'Punted frames the punt policer dropped, by policer class.',
    };
    for (const [metric, e] of l3) {
      counter(
        `port_${metric}_total`,
        L3_HELP[metric] ?? `Per ingress port L3 counter ${metric}.`,
        e.label ? ['port', e.label] : ['port'],
        (c, s) => {
          for (const port of s.stats.ports)
            for (const [key, value] of e.entries) {
              const labels: Record<string, string> = { port: String(port.port) };
              if (e.label && value) labels[e.label] = value;
              c.inc(labels, Number(port.l3[key as keyof typeof port.l3]));
            }
        },
      );
    }
    gauge(
      'lcore_busy_percent',
      'Time each lcore spent moving packets or serving requests over the last sampling interval, percent (the rest is idle polling or sleep).',
      ['lcore', 'role'],
      (g) => {
        for (const [lcore, b] of this.busy) g.set({ lcore: String(lcore), role: b.role }, b.percent);
      },
    );
    counter(
      'lcore_polls_total',
      'Polls of each lcore loop, busy (found work) or idle.',
      ['lcore', 'role', 'kind'],
      (c, s) => {
        for (const l of s.stats.lcores) {
          c.inc({ lcore: String(l.lcoreId), role: l.role, kind: 'busy' }, Number(l.busyPolls));
          c.inc({ lcore: String(l.lcoreId), role: l.role, kind: 'idle' }, Number(l.idlePolls));
        }
      },
    );
    counter(
      'lcore_seconds_total',
      'Time of each lcore loop: busy (found work), idle (polled and found nothing) or asleep (idle back-off).',
      ['lcore', 'role', 'kind'],
      (c, s) => {
        for (const l of s.stats.lcores) {
          const labels = { lcore: String(l.lcoreId), role: l.role };
          c.inc({ ...labels, kind: 'busy' }, Number(l.busyNs) / 1e9);
          c.inc({ ...labels, kind: 'idle' }, Number(l.idleNs) / 1e9);
          c.inc({ ...labels, kind: 'sleep' }, Number(l.sleepNs) / 1e9);
        }
      },
    );
    counter(
      'lcore_sleeps_total',
      'Idle sleeps of each worker, all of them or those an rx interrupt ended (--poll-mode interrupt).',
      ['lcore', 'role', 'ended_by'],
      (c, s) => {
        for (const l of s.stats.lcores) {
          if (l.role !== 'worker') continue;
          const labels = { lcore: String(l.lcoreId), role: l.role };
          c.inc({ ...labels, ended_by: 'any' }, Number(l.sleeps));
          c.inc({ ...labels, ended_by: 'interrupt' }, Number(l.intrWakes));
        }
      },
    );
    gauge('routes', 'Routes in the fast path, by family.', ['family'], (g, s) => {
      g.set({ family: '4' }, s.stats.tables.routes4);
      g.set({ family: '6' }, s.stats.tables.routes6);
    });
    gauge('neighbours', 'Neighbours in the fast path.', [], (g, s) => g.set(s.stats.tables.neighbours));
    gauge('nexthop_groups', 'Next-hop groups in use.', [], (g, s) => g.set(s.stats.tables.nhGroups));
    gauge('table_memory_bytes', 'Memory reserved for routes, next hops and FIBs.', [], (g, s) =>
      g.set(Number(s.stats.tables.memBytes)),
    );
    gauge('rules', 'Match-action rules.', [], (g, s) => g.set(s.rules.length));
    counter('rule_packets_total', 'Packets each rule matched.', ['rule'], (c, s) => {
      for (const e of s.rules) c.inc({ rule: String(e.rule.id) }, Number(e.packets));
    });
    counter('rule_bytes_total', 'Bytes each rule matched.', ['rule'], (c, s) => {
      for (const e of s.rules) c.inc({ rule: String(e.rule.id) }, Number(e.bytes));
    });
    gauge('mbufs', 'Mbufs of the mempool, free and total.', ['state'], (g, s) => {
      g.set({ state: 'free' }, s.stats.mbufFree);
      g.set({ state: 'total' }, s.stats.mbufTotal);
    });
  }

  /** Samples the lcore loop counters every `intervalMs` (the busy share is over that interval). */
  startSampling(intervalMs: number): void {
    this.stopSampling();
    this.timer = setInterval(() => void this.sample(), intervalMs);
    this.timer.unref();
    void this.sample();
  }

  stopSampling(): void {
    clearInterval(this.timer);
  }

  /** Takes one sample of the lcore counters (no request: the statistics area). */
  async sample(): Promise<void> {
    const sw = this.source.client();
    if (!sw?.isAlive()) {
      this.last.clear();
      this.busy.clear();
      return;
    }
    let stats: Stats;
    try {
      stats = await sw.stats({ refresh: false });
    } catch {
      return;
    }
    for (const l of stats.lcores) {
      const prev = this.last.get(l.lcoreId);
      this.last.set(l.lcoreId, { busyNs: l.busyNs, idleNs: l.idleNs, sleepNs: l.sleepNs });
      if (!prev || l.busyNs < prev.busyNs || l.idleNs < prev.idleNs || l.sleepNs < prev.sleepNs) continue; // first sample, or a new dataplane
      const percent = lcoreBusyPercent({
        busyNs: l.busyNs - prev.busyNs,
        idleNs: l.idleNs - prev.idleNs,
        sleepNs: l.sleepNs - prev.sleepNs,
      });
      this.busy.set(l.lcoreId, { role: l.role, percent });
    }
  }

  private async read(): Promise<{ stats: Stats; rules: RuleEntry[] } | undefined> {
    const sw = this.source.client();
    if (!sw?.isAlive()) return undefined;
    try {
      const [stats, rules] = await Promise.all([sw.stats({ refresh: true }), sw.rules.list()]);
      return { stats, rules };
    } catch {
      return undefined;
    }
  }
}
