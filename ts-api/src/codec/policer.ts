/**
 * The punt policer's messages: what a controller sets (POLICER_SET), what
 * the dataplane reports (POLICER_GET and the policer event).
 *
 * Every frame slipwayd punts to a vEth passes a token bucket of its ingress
 * port and punt class first, metered in packets; over the rate it is
 * dropped and counted (`police_<class>` in the L3 counters). A rate of 0
 * turns a class's policer off.
 */
import { MAX_PORTS, PORT_NONE } from '../wire/abi/control';
import { PortRef } from '../wire/abi/ports';
import {
  EvtPolicer,
  PolicerEvents,
  POLICER_MAX_BURST,
  POLICER_MAX_RATE,
  PUNT_CLASS_NAMES,
  PolicerInfo as PolicerInfoMsg,
  PolicerRate as PolicerRateMsg,
  PolicerSet,
  PuntClass,
  type PuntClassName,
} from '../wire/abi/policer';
import { need, viewOf } from '../wire/bytes';
import { check, SlipwayError } from '../errors';
import { type EventCodec, checkPort } from './common';

export { PUNT_CLASS_NAMES, type PuntClassName } from '../wire/abi/policer';

/** One class's token bucket: ratePps tokens a second, at most burst saved. 0 = no limit. */
export interface PolicerRate {
  ratePps: number;
  burst: number;
}

/** A port's (or the defaults') policer, per punt class. */
export interface PolicerConfig {
  /** the port, or 'default' for the settings ports added later start with */
  port: number | 'default';
  classes: Record<PuntClassName, PolicerRate>;
}

/** What to change with setPuntPolicer(). */
export interface PolicerSetting {
  /** a port; omitted: every port, and the default for ports added later */
  port?: number;
  /** a punt class; omitted or 'all': every class */
  class?: PuntClassName | 'all';
  /** packets per second; 0 turns the policer off */
  ratePps: number;
  /** packets; default: a tenth of a second of ratePps, at least 16 */
  burst?: number;
}

/** A punt class's drop rate changed: it started or stopped dropping, or its rate doubled or halved. */
export interface PolicerEvent {
  type: 'policer';
  seq: number;
  port: number;
  class: PuntClassName;
  dropping: boolean;
  /** drops per second over the last stats interval (500 ms) */
  dropPps: number;
  /** drops of this port and class so far */
  drops: number;
}

function isUint(x: unknown, max: number): x is number {
  return Number.isInteger(x) && (x as number) >= 0 && (x as number) <= max;
}

/** Checks and fills in a setting; BAD_ARGUMENT naming what is wrong. */
export function normalizePolicer(s: PolicerSetting): Required<Omit<PolicerSetting, 'port'>> & { port?: number } {
  check(typeof s === 'object' && s !== null, 'policer setting must be an object');
  check(
    s.port === undefined || isUint(s.port, MAX_PORTS - 1),
    `bad port ${JSON.stringify(s.port)}: expected an integer 0..${MAX_PORTS - 1}`,
  );
  const cls = s.class ?? 'all';
  check(
    cls === 'all' || (PUNT_CLASS_NAMES as readonly string[]).includes(cls),
    `bad punt class ${JSON.stringify(cls)}: expected ${PUNT_CLASS_NAMES.join(', ')} or all`,
  );
  check(
    isUint(s.ratePps, POLICER_MAX_RATE),
    `bad policer rate ${JSON.stringify(s.ratePps)}: expected packets/s, an integer 0..${POLICER_MAX_RATE} (0: no limit)`,
  );
  const burst = s.burst ?? (s.ratePps === 0 ? 0 : Math.min(POLICER_MAX_BURST, Math.max(16, Math.ceil(s.ratePps / 10))));
  check(
    isUint(burst, POLICER_MAX_BURST) && (s.ratePps === 0 || burst >= 1),
    `bad policer burst ${JSON.stringify(s.burst)}: expected packets, an integer 1..${POLICER_MAX_BURST}`,
  );
  return {
    ...(s.port === undefined ? {} : { port: s.port }),
    class: cls,
    ratePps: s.ratePps,
    burst: s.ratePps === 0 ? 0 : burst,
  };
}

export function encodePolicerSet(s: PolicerSetting): Uint8Array {
  const n = normalizePolicer(s);
  const b = new Uint8Array(PolicerSet.SIZE);
  const v = viewOf(b);
  v.setUint16(PolicerSet.port, n.port ?? PORT_NONE, true);
  v.setUint8(PolicerSet.punt_class, n.class === 'all' ? PuntClass.CLASS_ALL : PUNT_CLASS_NAMES.indexOf(n.class));
  v.setUint32(PolicerSet.rate_pps, n.ratePps, true);
  v.setUint32(PolicerSet.burst, n.burst, true);
  return b;
}

export function decodePolicerSet(b: Uint8Array): PolicerSetting {
  const v = viewOf(b);
  const port = v.getUint16(PolicerSet.port, true);
  const k = v.getUint8(PolicerSet.punt_class);
  return {
    ...(port === PORT_NONE ? {} : { port }),
    class: k === PuntClass.CLASS_ALL ? 'all' : PUNT_CLASS_NAMES[k]!,
    ratePps: v.getUint32(PolicerSet.rate_pps, true),
    burst: v.getUint32(PolicerSet.burst, true),
  };
}

/** POLICER_GET payload: a port, or the defaults for ports added later when omitted. */
export function encodePolicerGet(port?: number): Uint8Array {
  if (port !== undefined) checkPort(port);
  const ref = new Uint8Array(PortRef.SIZE);
  viewOf(ref).setUint16(PortRef.port, port ?? PORT_NONE, true);
  return ref;
}

export function decodePolicerInfo(b: Uint8Array): PolicerConfig {
  if (b.byteLength < PolicerInfoMsg.SIZE) {
    throw new SlipwayError(
      'PROTOCOL',
      `policer info: payload is ${b.byteLength} bytes, expected ${PolicerInfoMsg.SIZE}`,
    );
  }
  const v = viewOf(b);
  const port = v.getUint16(PolicerInfoMsg.port, true);
  const classes = {} as Record<PuntClassName, PolicerRate>;
  PUNT_CLASS_NAMES.forEach((name, i) => {
    const off = PolicerInfoMsg.cls + i * PolicerRateMsg.SIZE;
    classes[name] = {
      ratePps: v.getUint32(off + PolicerRateMsg.rate_pps, true),
      burst: v.getUint32(off + PolicerRateMsg.burst, true),
    };
  });
  return { port: port === PORT_NONE ? 'default' : port, classes };
}

export function encodePolicerInfo(c: PolicerConfig): Uint8Array {
  const b = new Uint8Array(PolicerInfoMsg.SIZE);
  const v = viewOf(b);
  v.setUint16(PolicerInfoMsg.port, c.port === 'default' ? PORT_NONE : c.port, true);
  PUNT_CLASS_NAMES.forEach((name, i) => {
    const off = PolicerInfoMsg.cls + i * PolicerRateMsg.SIZE;
    v.setUint32(off + PolicerRateMsg.rate_pps, c.classes[name].ratePps, true);
    v.setUint32(off + PolicerRateMsg.burst, c.classes[name].burst, true);
  });
  return b;
}

/** null when the class is unknown to this library. */
function decodePolicerEvent(seq: number, b: Uint8Array): PolicerEvent | null {
  need(b, EvtPolicer.SIZE, 'event policer');
  const v = viewOf(b);
  const cls = PUNT_CLASS_NAMES[v.getUint8(EvtPolicer.punt_class)];
  if (cls === undefined) return null;
  return {
    type: 'policer',
    seq,
    port: v.getUint16(EvtPolicer.port, true),
    class: cls,
    dropping: v.getUint8(EvtPolicer.dropping) !== 0,
    dropPps: v.getUint32(EvtPolicer.drop_pps, true),
    drops: Number(v.getBigUint64(EvtPolicer.drops, true)),
  };
}

function encodePolicerEvent(e: PolicerEvent) {
  const p = new Uint8Array(EvtPolicer.SIZE);
  const v = viewOf(p);
  v.setUint16(EvtPolicer.port, e.port, true);
  v.setUint8(EvtPolicer.punt_class, PUNT_CLASS_NAMES.indexOf(e.class));
  v.setUint8(EvtPolicer.dropping, e.dropping ? 1 : 0);
  v.setUint32(EvtPolicer.drop_pps, e.dropPps, true);
  v.setBigUint64(EvtPolicer.drops, BigInt(e.drops), true);
  return { type: PolicerEvents.POLICER, flags: 0, seq: e.seq, status: 0, payload: p };
}

export const POLICER_EVENT: EventCodec<PolicerEvent> = {
  code: PolicerEvents.POLICER,
  name: 'policer',
  decode: decodePolicerEvent,
  encode: encodePolicerEvent,
};
