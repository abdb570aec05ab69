/*
 * Rendering for humans (aligned tables) and machines (JSON). In JSON every
 * 64-bit counter (a bigint in the library) is a string of decimal digits,
 * as protobuf's JSON mapping writes 64-bit integers: exact in every JSON
 * parser (a double holds integers only up to 2^53). Other numbers are
 * JSON numbers.
 */
import type { PortInfo } from '../index';

/** Left-aligned first column, right-aligned numbers, two spaces between columns. */
export function table(header: string[], rows: Array<Array<string | number | bigint>>): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = header.map(
    (_, i) =>
      rows.length > 0 && rows.every((r) => typeof r[i] !== 'string' || /^(-?[\d.]+[kMGTPE]?|-)$/.test(r[i] as string)),
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

/** JSON.stringify that writes bigints (64-bit counters) as decimal strings. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), indent);
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
