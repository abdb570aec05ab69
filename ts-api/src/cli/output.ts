/* Rendering for humans (aligned tables) and machines (JSON, bigints as numbers). */
import { lcoreBusyPercent, type PortInfo, type Stats } from '../index';

/** Left-aligned first column, right-aligned numbers, two spaces between columns. */
export function table(header: string[], rows: Array<Array<string | number | bigint>>): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = header.map(
    (_, i) => rows.length > 0 && rows.every((r) => typeof r[i] !== 'string' || /^-?[\d.]+$/.test(r[i] as string)),
  );
  return (
    cells
      .map((r) =>
        r
          .map((c, i) => (numeric[i] && i > 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

const BIG = '@@slipway-bigint@@';

/** JSON.stringify that writes bigints as plain JSON numbers. */
export function toJson(value: unknown, indent?: number): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${BIG}${v}` : v), indent);
  return text.replace(new RegExp(`"${BIG}(-?\\d+)"`, 'g'), '$1');
}

export function printJson(value: unknown): void {
  process.stdout.write(toJson(value, 2) + '\n');
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

export function portsTable(ports: PortInfo[]): string {
  if (ports.length === 0) {
    return 'no ports\n';
  }

  return table(
    ['PORT', 'NAME', 'DRIVER', 'VIF', 'STATE', 'LINK', 'SPEED', 'MTU', 'MAC', 'PROMISC', 'WORKER'],
    ports.map((p) => [
      String(p.port),
      p.name,
      p.driver,
      p.vif,
      p.started ? 'started' : 'stopped',
      p.linkUp ? 'up' : 'down',
      p.linkUp ? `${p.linkSpeed}M${p.fullDuplex ? '' : '/half'}` : '-',
      String(p.mtu),
      p.mac,
      p.promisc ? 'on' : 'off',
      p.workerLcore === null ? '-' : String(p.workerLcore),
    ]),
  );
}

export interface Rates {
  rxPps: number;
  txPps: number;
  rxBps: number;
  txBps: number;
}

function si(n: number): string {
  if (n >= 1e9) {
    return `${(n / 1e9).toFixed(2)}G`;
  }

  if (n >= 1e6) {
    return `${(n / 1e6).toFixed(2)}M`;
  }

  if (n >= 1e3) {
    return `${(n / 1e3).toFixed(1)}k`;
  }

  return n.toFixed(0);
}

/** Per-port counters, optionally with rates (watch mode), then per-lcore polls. */
export function statsTable(stats: Stats, rates?: Map<number, Rates>): string {
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
    'NOMBUF',
  ];
  const rows = stats.ports.map((p) => {
    const r = rates?.get(p.port);
    const rateCells = rates
      ? [r ? si(r.rxPps) : '-', r ? si(r.txPps) : '-', r ? si(r.rxBps * 8) : '-', r ? si(r.txBps * 8) : '-']
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
      p.dev.rxNombuf,
    ];
  });
  let out = stats.ports.length > 0 ? table(header, rows) : 'no ports\n';
  out +=
    '\n' +
    table(
      ['LCORE', 'ROLE', 'BUSY-POLLS', 'IDLE-POLLS', 'BUSY%', 'ASLEEP%'],
      stats.lcores.map((l) => {
        const total = l.busyNs + l.idleNs + l.sleepNs;
        return [
          String(l.lcoreId),
          l.role,
          l.busyPolls,
          l.idlePolls,
          lcoreBusyPercent(l).toFixed(2),
          total > 0n ? (Number((l.sleepNs * 10000n) / total) / 100).toFixed(2) : '0.00',
        ];
      }),
    );
  if (stats.ports.length > 0) {
    out +=
      '\n' +
      table(
        [
          'PORT',
          'ROUTED',
          'P-ARP',
          'P-ND',
          'P-LOCAL',
          'P-MCAST',
          'P-TTL',
          'P-OPTS',
          'P-NOROUTE',
          'P-NONEIGH',
          'P-NONIP',
          'P-OTHER',
          'D-MALFORMED',
          'D-ROUTE',
          'D-PORTDOWN',
          'RULE-DROP',
          'RULE-PUNT',
        ],
        stats.ports.map((p) => {
          const l = p.l3;
          return [
            String(p.port),
            l.routedPackets,
            l.puntArp,
            l.puntNd,
            l.puntLocal,
            l.puntMcast,
            l.puntTtl,
            l.puntOptions,
            l.puntNoRoute,
            l.puntNoNeigh,
            l.puntNonIp,
            l.puntOther,
            l.dropMalformed,
            l.dropRoute,
            l.dropPortDown,
            l.ruleDrops,
            l.rulePunts,
          ];
        }),
      );
  }

  if (stats.ports.length > 0) {
    out +=
      '\n' +
      table(
        ['PORT', 'POLICED-ARP', 'POLICED-ICMP', 'POLICED-HOST', 'POLICED-OTHER'],
        stats.ports.map((p) => {
          const l = p.l3;
          return [String(p.port), l.policeArp, l.policeIcmp, l.policeHost, l.policeOther];
        }),
      );
  }

  const tb = stats.tables;
  out += `\ntables: ${tb.routes4} IPv4 routes, ${tb.routes6} IPv6 routes, ${tb.neighbours} neighbours, ${tb.nhGroups} next-hop groups, ${(Number(tb.memBytes) / 1048576).toFixed(1)} MiB\n`;
  out += `\nmbufs: ${stats.mbufFree} free of ${stats.mbufTotal}\n`;
  return out;
}
