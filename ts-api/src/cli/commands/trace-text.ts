/*
 * A trace record for humans, one shape for slipctl trace and slipctl
 * explain: the frame, then the rule, the route and next hop, the policer,
 * and the verdict.
 */
import type { TraceRecord } from '../../index';

const PROTO: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmp6', 132: 'sctp' };

function frameLine(t: TraceRecord): string {
  const f = t.frame;
  const vlan = f.vlan === null ? '' : ` vlan ${f.vlan}${f.tags > 1 ? ` (+${f.tags - 1} tag)` : ''}`;
  let l3 = `ethertype 0x${f.ethertype.toString(16).padStart(4, '0')}`;
  if (f.family !== null) {
    const proto = PROTO[f.proto ?? -1] ?? `proto ${f.proto}`;
    const ports = f.sport === null ? '' : ` ${f.sport} > ${f.dport}`;
    l3 = `IPv${f.family} ${f.src} > ${f.dst} ${proto}${ports} ${f.family === 4 ? 'ttl' : 'hlim'} ${f.ttl}`;
  }
  return `${f.srcMac} > ${f.dstMac}${vlan} ${l3}, ${f.length} bytes`;
}

function routeLine(t: TraceRecord): string {
  const r = t.route;
  if (r === null) return t.step === 'xconnect' ? '- (cross-connected)' : '- (not consulted)';
  if (!r.found) return 'none matches';
  const stale = t.stale ? ' [changed since: today’s prefix]' : '';
  if (r.type !== 'forward') return `${r.prefix} ${r.type}${stale}`;
  const hop = `port ${r.port} ${r.gw === null ? '(connected)' : `via ${r.gw}`}`;
  const neigh = r.resolved ? `neighbour ${r.mac}` : 'neighbour unresolved';
  const ecmp = r.nextHops > 1 ? `, flow hash 0x${r.flowHash.toString(16)}` : '';
  return `${r.prefix}, next hop ${(r.member ?? 0) + 1} of ${r.nextHops}: ${hop}, ${neigh}${ecmp}${stale}`;
}

function ruleLine(t: TraceRecord): string {
  if (t.rule === null) return '-';
  const mirror = t.mirror === null ? '' : ` (copy to ${t.mirror === 'vif' ? 'the ingress vEth' : `port ${t.mirror}`})`;
  if (t.rule.id === null) return `a rule since removed: ${t.rule.action}${mirror}`;
  return `${t.rule.id} (priority ${t.rule.priority}): ${t.rule.action}${mirror}`;
}

function verdictLine(t: TraceRecord): string {
  const by = `by ${t.step === 'checks' ? 'the checks' : t.step}`;
  if (t.action === 'forward') return `forward out of port ${t.outPort} (${by})`;
  if (t.action === 'punt') return `punt to port ${t.inPort}'s vEth: ${t.reason}, class ${t.puntClass} (${by})`;
  return `drop: ${t.reason} (${by})`;
}

function policeLine(t: TraceRecord): string {
  if (t.police === 'pass') return `${t.puntClass}: passed`;
  if (t.police === 'drop') return `${t.puntClass}: over its rate, dropped`;
  if (t.action === 'punt' && t.explain) return `${t.puntClass} (a token needed; not known ahead)`;
  return '-';
}

/** Several lines: what happened to one packet (or would, for explain). */
export function traceText(t: TraceRecord, n?: number): string {
  const where = t.explain
    ? `explain: port ${t.inPort}`
    : `#${n ?? t.seq} port ${t.inPort} queue ${t.queue} lcore ${t.lcore}`;
  const time =
    t.latencyNs === null
      ? ''
      : `  [${(t.latencyNs / 1000).toFixed(1)} us from rx to ${t.action === 'forward' ? 'tx' : t.action}]`;
  const what = t.explain ? 'would' : t.observed ? 'did' : 'decided';
  return [
    `${where}: ${frameLine(t)}`,
    `  rule     ${ruleLine(t)}`,
    `  route    ${routeLine(t)}`,
    `  policer  ${policeLine(t)}`,
    `  verdict  ${verdictLine(t)} [${what}]${time}`,
  ].join('\n');
}
