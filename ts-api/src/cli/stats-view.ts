/*
 * What `slipctl stats` shows: a summary that fits 120 columns (totals, or
 * with --watch the rates of the last interval: packets and bits, routed,
 * cross-connected, punted and dropped per second, lcore busy share), every
 * counter with --detail, and one JSON shape for all of it.
 */
import { L3_COUNTERS } from '../wire/abi';
import { lcoreBusyPercent, type LcoreStatsInfo, type PortStats, type Stats } from '../index';
import { table } from './output';

/** Widest line the summary may print (an operator's terminal). */
export const SUMMARY_COLUMNS = 120;

/** The L3 counters that are drops (drop_*, rule_drops, police_*), camelCase. */
const L3_DROPS = L3_COUNTERS.filter((k) => /^(drop_|rule_drops|police_)/.test(k)).map((k) =>
  k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
) as Array<keyof PortStats['l3']>;

/**
 * Every frame the port lost, whatever the cause: the device's (imissed,
 * ierrors, oerrors, rx_nombuf), tx queue full, punt and vEth queues full,
 * injected frames dropped, the L3 drop classes, rule drops and the punt
 * policer's drops.
 */
export function portDrops(p: PortStats): bigint {
  let n = p.txDrops + p.puntDrops + p.vifTxDrops + p.injectDrops;
  n += p.dev.imissed + p.dev.ierrors + p.dev.oerrors + p.dev.rxNombuf;
  for (const k of L3_DROPS) n += p.l3[k];
  return n;
}

/** Per-second rates of one port over an interval. */
export interface PortRates {
  port: number;
  rxPps: number;
  rxBps: number;
  txPps: number;
  txBps: number;
  routedPps: number;
  xcPps: number;
  puntPps: number;
  dropPps: number;
}

/** One lcore over an interval: busy and asleep shares of its time, percent. */
export interface LcoreRates {
  lcoreId: number;
  busyPercent: number;
  sleepPercent: number;
}

/** The rates of the interval between two snapshots. */
export interface StatsRates {
  ports: PortRates[];
  lcores: LcoreRates[];
}

/**
 * What `stats --json` prints, once, or with --watch once per interval (one
 * object per line): the snapshot (64-bit counters as decimal strings), when
 * it was taken, and the rates since the previous one (null for the first).
 */
export interface StatsJson extends Stats {
  time: string;
  instance: string;
  intervalS: number | null;
  rates: StatsRates | null;
}

const perSecond = (a: bigint, b: bigint, s: number): number => (a >= b ? Number(a - b) / s : 0);

function lcoreShare(cur: LcoreStatsInfo, prev: LcoreStatsInfo | undefined): LcoreRates {
  const d = (k: 'busyNs' | 'idleNs' | 'sleepNs') => (prev && cur[k] >= prev[k] ? cur[k] - prev[k] : cur[k]);
  const busy = d('busyNs');
  const total = busy + d('idleNs') + d('sleepNs');
  return {
    lcoreId: cur.lcoreId,
    busyPercent: lcoreBusyPercent({ busyNs: busy, idleNs: d('idleNs'), sleepNs: d('sleepNs') }),
    sleepPercent: total === 0n ? 0 : Number((d('sleepNs') * 10000n) / total) / 100,
  };
}

/** Rates between `prev` and `cur`, `seconds` apart (a counter that went back counts as 0). */
export function statsRates(prev: Stats, cur: Stats, seconds: number): StatsRates {
  const ports: PortRates[] = [];
  for (const p of cur.ports) {
    const q = prev.ports.find((x) => x.port === p.port);
    if (!q || !(seconds > 0)) continue;
    ports.push({
      port: p.port,
      rxPps: perSecond(p.rxPackets, q.rxPackets, seconds),
      rxBps: perSecond(p.rxBytes, q.rxBytes, seconds) * 8,
      txPps: perSecond(p.txPackets, q.txPackets, seconds),
      txBps: perSecond(p.txBytes, q.txBytes, seconds) * 8,
      routedPps: perSecond(p.l3.routedPackets, q.l3.routedPackets, seconds),
      xcPps: perSecond(p.xcPackets, q.xcPackets, seconds),
      puntPps: perSecond(p.puntPackets, q.puntPackets, seconds),
      dropPps: perSecond(portDrops(p), portDrops(q), seconds),
    });
  }
  const lcores = cur.lcores.map((l) =>
    lcoreShare(
      l,
      prev.lcores.find((x) => x.lcoreId === l.lcoreId),
    ),
  );
  return { ports, lcores };
}

/** 1234567 -> "1.23M": at most 6 characters for any count or rate. */
export function si(n: number | bigint): string {
  const x = Number(n);
  const units: Array<[number, string]> = [
    [1e18, 'E'],
    [1e15, 'P'],
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [v, u] of units) {
    if (x >= v) {
      const q = x / v;
      return `${q >= 100 ? q.toFixed(0) : q >= 10 ? q.toFixed(1) : q.toFixed(2)}${u}`;
    }
  }
  return x >= 100 || Number.isInteger(x) ? x.toFixed(0) : x.toFixed(1);
}

const pct = (x: number): string => x.toFixed(1);

/** The header line of the summary: instance, time, interval, mempool and tables. */
function headline(s: Stats, instance: string, time: string, intervalS: number | null): string {
  const t = s.tables;
  const every = intervalS === null ? '' : `, every ${intervalS}s`;
  const line =
    `${instance} ${time}${every} | mbufs ${si(s.mbufFree)}/${si(s.mbufTotal)} free | ` +
    `routes ${si(t.routes4)} v4 ${si(t.routes6)} v6 | neigh ${si(t.neighbours)} | ${si(t.memBytes)}B`;
  return line.length <= SUMMARY_COLUMNS ? line : line.slice(0, SUMMARY_COLUMNS - 1) + '…';
}

/**
 * The summary (`slipctl stats`, `stats --watch`): per port, totals (no
 * rates) or the rates of the last interval; per lcore, its busy and asleep
 * share (of its whole life, or of the interval). Every line fits
 * {@link SUMMARY_COLUMNS} columns.
 */
export function statsSummary(
  s: Stats,
  opts: { instance: string; time: string; intervalS?: number; rates?: StatsRates },
): string {
  const r = opts.rates;
  let out = headline(s, opts.instance, opts.time, opts.intervalS ?? null) + '\n\n';
  if (s.ports.length === 0) {
    out += 'no ports\n';
  } else if (r) {
    out += table(
      ['PORT', 'RX-PPS', 'RX-BPS', 'TX-PPS', 'TX-BPS', 'ROUTED/S', 'XC/S', 'PUNT/S', 'DROP/S', 'RX-PKTS', 'DROPS'],
      s.ports.map((p) => {
        const x = r.ports.find((y) => y.port === p.port);
        const v = (k: keyof PortRates) => (x ? si(x[k]) : '-');
        return [
          String(p.port),
          v('rxPps'),
          v('rxBps'),
          v('txPps'),
          v('txBps'),
          v('routedPps'),
          v('xcPps'),
          v('puntPps'),
          v('dropPps'),
          si(p.rxPackets),
          si(portDrops(p)),
        ];
      }),
    );
  } else {
    out += table(
      ['PORT', 'RX-PKTS', 'RX-BYTES', 'TX-PKTS', 'TX-BYTES', 'ROUTED', 'XC', 'PUNT', 'DROPS'],
      s.ports.map((p) => [
        String(p.port),
        si(p.rxPackets),
        si(p.rxBytes),
        si(p.txPackets),
        si(p.txBytes),
        si(p.l3.routedPackets),
        si(p.xcPackets),
        si(p.puntPackets),
        si(portDrops(p)),
      ]),
    );
  }
  const shares = r?.lcores ?? s.lcores.map((l) => lcoreShare(l, undefined));
  out +=
    '\n' +
    table(
      ['LCORE', 'ROLE', r ? 'BUSY%' : 'BUSY%-EVER', r ? 'ASLEEP%' : 'ASLEEP%-EVER', 'BUSY-POLLS', 'IDLE-POLLS'],
      s.lcores.map((l) => {
        const x = shares.find((y) => y.lcoreId === l.lcoreId);
        return [
          String(l.lcoreId),
          l.role,
          x ? pct(x.busyPercent) : '-',
          x ? pct(x.sleepPercent) : '-',
          si(l.busyPolls),
          si(l.idlePolls),
        ];
      }),
    );
  return out;
}

/** Every counter, exact (`slipctl stats --detail`), with the rates of the interval first when watching. */
export function statsDetail(s: Stats, rates?: StatsRates): string {
  const rateHeader = rates ? ['RX-PPS', 'TX-PPS', 'RX-BPS', 'TX-BPS'] : [];
  const header = [
    'PORT',
    ...rateHeader,
    'RX-PKTS',
    'RX-BYTES',
    'TX-PKTS',
    'TX-BYTES',
    'TX-DROP',
    'XC',
    'PUNT',
    'PUNT-DROP',
    'VIF-TX',
    'VIF-TX-DROP',
    'VIF-RX',
    'INJECT',
    'INJ-DROP',
    'NO-ROUTE',
    'IMISSED',
    'IERRORS',
    'OERRORS',
    'NOMBUF',
  ];
  const rows = s.ports.map((p) => {
    const r = rates?.ports.find((x) => x.port === p.port);
    const rateCells = rates
      ? [r ? si(r.rxPps) : '-', r ? si(r.txPps) : '-', r ? si(r.rxBps) : '-', r ? si(r.txBps) : '-']
      : [];
    return [
      String(p.port),
      ...rateCells,
      p.rxPackets,
      p.rxBytes,
      p.txPackets,
      p.txBytes,
      p.txDrops,
      p.xcPackets,
      p.puntPackets,
      p.puntDrops,
      p.vifTxPackets,
      p.vifTxDrops,
      p.vifRxPackets,
      p.injectPackets,
      p.injectDrops,
      p.noRoute,
      p.dev.imissed,
      p.dev.ierrors,
      p.dev.oerrors,
      p.dev.rxNombuf,
    ];
  });
  let out = s.ports.length > 0 ? table(header, rows) : 'no ports\n';
  out +=
    '\n' +
    table(
      ['LCORE', 'ROLE', 'BUSY-POLLS', 'IDLE-POLLS', 'BUSY-NS', 'IDLE-NS', 'SLEEP-NS', 'SLEEPS', 'INTR-WAKES', 'BUSY%'],
      s.lcores.map((l) => [
        String(l.lcoreId),
        l.role,
        l.busyPolls,
        l.idlePolls,
        l.busyNs,
        l.idleNs,
        l.sleepNs,
        l.sleeps,
        l.intrWakes,
        lcoreBusyPercent(l).toFixed(2),
      ]),
    );
  if (s.ports.length > 0) {
    // the L3 classes, one row per port: punts, drops, the policer's drops
    const keys = L3_COUNTERS.map((k) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())) as Array<
      keyof PortStats['l3']
    >;
    const groups: Array<[string, RegExp]> = [
      ['routed and punted to the vEth, by class', /^(routed|punt|rulePunts)/],
      ['dropped, by class', /^(drop|ruleDrops)/],
      ['dropped by the punt policer, by class', /^police/],
    ];
    for (const [title, re] of groups) {
      const ks = keys.filter((k) => re.test(k));
      out +=
        `\n${title}\n` +
        table(
          ['PORT', ...ks.map((k) => k.replace(/[A-Z]/g, (c) => `-${c}`).toUpperCase())],
          s.ports.map((p) => [String(p.port), ...ks.map((k) => p.l3[k])]),
        );
    }
  }
  const tb = s.tables;
  out += `\ntables: ${tb.routes4} IPv4 routes, ${tb.routes6} IPv6 routes, ${tb.neighbours} neighbours, ${tb.nhGroups} next-hop groups, ${(Number(tb.memBytes) / 1048576).toFixed(1)} MiB\n`;
  out += `mbufs: ${s.mbufFree} free of ${s.mbufTotal}\n`;
  return out;
}
