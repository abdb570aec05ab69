/**
 * Reader of the statistics area (struct sw_stats). Any number of readers
 * may map it; per-lcore counters are summed here, device counters are read
 * under the dev_seq seqlock.
 */
import {
  DEV_STATS_FIELDS,
  DevStats,
  L3Counters,
  L3_COUNTERS,
  LcoreStats,
  PORT_COUNTERS,
  PortCounters,
  Role,
  StatsArea,
  TableStats,
} from '../wire/abi/stats';
import { MAX_LCORES, MAX_PORTS } from '../wire/abi/control';
import { SlipwayError } from '../errors';

type CamelCase<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S;

/** Per-port fast-path counters (SW_PORT_COUNTER_LIST), summed over lcores. */
export type PortCounterValues = { [K in (typeof PORT_COUNTERS)[number] as CamelCase<K>]: bigint };

/** Device counters from rte_eth_stats_get() (struct sw_dev_stats). */
export type DevCounterValues = { [K in (typeof DEV_STATS_FIELDS)[number] as CamelCase<K>]: bigint };

/**
 * L3 fast-path counters of one ingress port (SW_L3_COUNTER_LIST), summed
 * over lcores: routedPackets forwarded by a route; punt* handed to the
 * port's vEth for that reason; drop* dropped; ruleDrops/rulePunts by a
 * rule's action.
 */
export type L3CounterValues = { [K in (typeof L3_COUNTERS)[number] as CamelCase<K>]: bigint };

/** One port's statistics. */
export interface PortStats extends PortCounterValues {
  port: number;
  dev: DevCounterValues;
  /** Routing and punt/drop classes of traffic received on this port. */
  l3: L3CounterValues;
}

/** Route table summary (struct sw_table_stats). */
export interface TableStatsInfo {
  /** Memory reserved for routes, next hops and FIBs, bytes. */
  memBytes: bigint;
  routes4: number;
  routes6: number;
  neighbours: number;
  /** Next-hop groups in use. */
  nhGroups: number;
}

/** One lcore's loop counters. */
export interface LcoreStatsInfo {
  lcoreId: number;
  role: 'main' | 'worker';
  busyPolls: bigint;
  idlePolls: bigint;
  /** Time in loop iterations that moved packets (or served requests), ns. */
  busyNs: bigint;
  /** Time polling and finding nothing, ns. */
  idleNs: bigint;
  /** Time asleep (a worker's idle back-off; the main lcore's idle sleep), ns. */
  sleepNs: bigint;
  /** Idle sleeps (workers; 0 for the main lcore). */
  sleeps: bigint;
  /** Sleeps that an rx interrupt ended (`--poll-mode interrupt`). */
  intrWakes: bigint;
}

/** An lcore's busy share of its time, percent (0 when it has no time counted yet). */
export function lcoreBusyPercent(l: Pick<LcoreStatsInfo, 'busyNs' | 'idleNs' | 'sleepNs'>): number {
  const total = l.busyNs + l.idleNs + l.sleepNs;
  return total === 0n ? 0 : Number((l.busyNs * 10000n) / total) / 100;
}

/** A snapshot of the statistics area. */
export interface Stats {
  /** CLOCK_MONOTONIC of the last device refresh. */
  updatedNs: bigint;
  mbufTotal: number;
  mbufFree: number;
  /** Only ports that exist (port_mask). */
  ports: PortStats[];
  lcores: LcoreStatsInfo[];
  /** Route table summary. */
  tables: TableStatsInfo;
}

function camel(s: string): string {
  return s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

const COUNTER_KEYS = PORT_COUNTERS.map(camel) as (keyof PortCounterValues)[];
const DEV_KEYS = DEV_STATS_FIELDS.map(camel) as (keyof DevCounterValues)[];
const L3_KEYS = L3_COUNTERS.map(camel) as (keyof L3CounterValues)[];

/**
 * Reads the statistics area at `offset` of `buf`. Returns null when the
 * device part stayed inconsistent (seqlock odd or changing) for `maxTries`
 * attempts; callers retry later.
 */
export function readStats(buf: ArrayBuffer, offset: number, maxTries = 1000): Stats | null {
  if (offset % 8 !== 0 || offset + StatsArea.SIZE > buf.byteLength) {
    throw new SlipwayError(
      'PROTOCOL',
      `stats area at ${offset} (+${StatsArea.SIZE}) is outside the ${buf.byteLength}-byte mapping`,
    );
  }
  const u32 = new Int32Array(buf, offset, StatsArea.SIZE / 4);
  const u64 = new BigUint64Array(buf, offset, StatsArea.SIZE / 8);
  const ld32 = (off: number) => Atomics.load(u32, off / 4) >>> 0;
  const ld64 = (off: number) => Atomics.load(u64, off / 8);

  let dev: {
    mask: number;
    updatedNs: bigint;
    mbufTotal: bigint;
    mbufFree: bigint;
    devs: bigint[][];
    tables: TableStatsInfo;
  } | null = null;
  for (let t = 0; t < maxTries && dev === null; t++) {
    const s1 = ld32(StatsArea.dev_seq);
    if (s1 & 1) continue;
    const mask = ld32(StatsArea.port_mask);
    const devs: bigint[][] = [];
    for (let p = 0; p < MAX_PORTS; p++) {
      const base = StatsArea.dev + p * DevStats.SIZE;
      devs.push(DEV_STATS_FIELDS.map((f) => ld64(base + DevStats[f])));
    }
    const snap = {
      mask,
      updatedNs: ld64(StatsArea.updated_ns),
      mbufTotal: ld64(StatsArea.mbuf_total),
      mbufFree: ld64(StatsArea.mbuf_free),
      devs,
      tables: {
        memBytes: ld64(StatsArea.tables + TableStats.mem_bytes),
        routes4: ld32(StatsArea.tables + TableStats.routes4),
        routes6: ld32(StatsArea.tables + TableStats.routes6),
        neighbours: ld32(StatsArea.tables + TableStats.neighbours),
        nhGroups: ld32(StatsArea.tables + TableStats.nh_groups),
      },
    };
    if (ld32(StatsArea.dev_seq) === s1) dev = snap;
  }
  if (dev === null) return null;

  const nLcores = Math.min(ld32(StatsArea.n_lcores), MAX_LCORES);
  const lcores: LcoreStatsInfo[] = [];
  const ports: PortStats[] = [];

  for (let p = 0; p < MAX_PORTS; p++) {
    if (!(dev.mask & (1 << p))) continue;
    const ps = { port: p } as PortStats;
    for (const k of COUNTER_KEYS) ps[k] = 0n;
    ps.dev = {} as DevCounterValues;
    DEV_KEYS.forEach((k, i) => (ps.dev[k] = dev.devs[p][i]));
    ps.l3 = {} as L3CounterValues;
    for (const k of L3_KEYS) ps.l3[k] = 0n;
    for (let l = 0; l < nLcores; l++) {
      const base = StatsArea.l3 + (l * MAX_PORTS + p) * L3Counters.SIZE;
      L3_KEYS.forEach((k, i) => (ps.l3[k] += ld64(base + i * 8)));
    }
    ports.push(ps);
  }
  for (let l = 0; l < nLcores; l++) {
    const base = StatsArea.lcores + l * LcoreStats.SIZE;
    const role = ld32(base + LcoreStats.role);
    if (role === Role.UNUSED) continue;
    lcores.push({
      lcoreId: ld32(base + LcoreStats.lcore_id),
      role: role === Role.MAIN ? 'main' : 'worker',
      busyPolls: ld64(base + LcoreStats.busy_polls),
      idlePolls: ld64(base + LcoreStats.idle_polls),
      busyNs: ld64(base + LcoreStats.busy_ns),
      idleNs: ld64(base + LcoreStats.idle_ns),
      sleepNs: ld64(base + LcoreStats.sleep_ns),
      sleeps: ld64(base + LcoreStats.sleeps),
      intrWakes: ld64(base + LcoreStats.intr_wakes),
    });
    for (const ps of ports) {
      const cbase = base + LcoreStats.ports + ps.port * PortCounters.SIZE;
      COUNTER_KEYS.forEach((k, i) => (ps[k] += ld64(cbase + i * 8)));
    }
  }
  return {
    updatedNs: dev.updatedNs,
    mbufTotal: Number(dev.mbufTotal),
    mbufFree: Number(dev.mbufFree),
    ports,
    lcores,
    tables: dev.tables,
  };
}
