/**
 * A fake slipwayd in TypeScript for unit tests: creates a control file with
 * the real layout (from ts-api/src/abi), serves the request ring from a
 * timer, keeps a small port/xconnect model and writes the stats area. It is
 * not a reference implementation of the dataplane, just enough to exercise
 * the client (lease, pipelining, errors, events, stats, timeouts) and the
 * route lookup (a route and neighbour table, ROUTE_GET).
 */
import * as fs from 'node:fs';
import {
  CTL_ABI_VERSION,
  CTL_HEADER_SIZE,
  CTL_MAGIC,
  CtlHeader,
  DevStats,
  LcoreStats,
  MAX_PORTS,
  Op,
  PORT_COUNTERS,
  PortCounters,
  RING_DATA_OFF,
  State,
  StatsArea,
} from '../../../ts-api/src/wire/abi';
import * as codec from './codec';
import { FakeTables } from './fake-tables';
import * as tables from './tables';
import * as ip from '../../../ts-api/src/codec/ip';
import { loadNative } from '../../../ts-api/src/native';
import { Ring } from '../../../ts-api/src/wire/ring';

export interface FakeOptions {
  file: string;
  reqSize?: number;
  respSize?: number;
  evtSize?: number;
  dpPid?: number;
  state?: number;
  magic?: number;
  abiVersion?: number;
  /** ops the fake never answers (to provoke TIMEOUT) */
  ignore?: number[];
}

const ST = { OK: 0, MALFORMED: 1, UNKNOWN_OP: 2, NO_PORT: 3, RANGE: 5, EXISTS: 6, NOT_FOUND: 7 };

export class FakeDataplane {
  readonly buf: ArrayBuffer;
  readonly req: Ring;
  readonly resp: Ring;
  readonly evt: Ring;
  readonly statsOff: number;
  readonly ports: codec.PortInfo[] = [];
  readonly xcs = new Map<number, number>();
  /** routes by canonical prefix, neighbours by "port|ip" */
  readonly routes = new Map<string, tables.Route>();
  readonly neighbours = new Map<string, tables.Neighbour>();
  /** devargs, listings with origins, rules, policer, kernel sync; failures on demand (fake-tables.ts) */
  readonly config = new FakeTables(this);
  /** every request seen, in order */
  readonly seen: codec.Message[] = [];
  private timer?: NodeJS.Timeout;
  private evtSeq = 1;
  private readonly ignore: Set<number>;
  private held?: { type: number; seq: number; status: number; payload: Uint8Array };

  constructor(readonly opts: FakeOptions) {
    const reqSize = opts.reqSize ?? 4096;
    const respSize = opts.respSize ?? 4096;
    const evtSize = opts.evtSize ?? 1024;
    const reqOff = CTL_HEADER_SIZE;
    const respOff = reqOff + RING_DATA_OFF + reqSize;
    const evtOff = respOff + RING_DATA_OFF + respSize;
    this.statsOff = evtOff + RING_DATA_OFF + evtSize;
    const size = this.statsOff + StatsArea.SIZE;
    fs.writeFileSync(opts.file, Buffer.alloc(size), { mode: 0o600 });
    this.buf = loadNative().mapFile(opts.file);
    const v = new DataView(this.buf);
    const u32 = (off: number, x: number) => v.setUint32(off, x, true);
    u32(CtlHeader.abi_version, opts.abiVersion ?? CTL_ABI_VERSION);
    u32(CtlHeader.header_size, CTL_HEADER_SIZE);
    u32(CtlHeader.state, opts.state ?? State.READY);
    v.setBigUint64(CtlHeader.file_size, BigInt(size), true);
    u32(CtlHeader.req_off, reqOff);
    u32(CtlHeader.req_size, reqSize);
    u32(CtlHeader.resp_off, respOff);
    u32(CtlHeader.resp_size, respSize);
    u32(CtlHeader.evt_off, evtOff);
    u32(CtlHeader.evt_size, evtSize);
    u32(CtlHeader.stats_off, this.statsOff);
    u32(CtlHeader.stats_size, StatsArea.SIZE);
    u32(CtlHeader.dp_pid, opts.dpPid ?? process.pid);
    u32(CtlHeader.n_workers, 1);
    Ring.init(this.buf, reqOff, reqSize);
    Ring.init(this.buf, respOff, respSize);
    Ring.init(this.buf, evtOff, evtSize);
    const wake = loadNative().futexWake;
    this.req = new Ring(this.buf, reqOff, reqSize, { wake, name: 'fake request ring' });
    this.resp = new Ring(this.buf, respOff, respSize, { wake, name: 'fake response ring' });
    this.evt = new Ring(this.buf, evtOff, evtSize, { wake, name: 'fake event ring' });
    this.ignore = new Set(opts.ignore ?? []);
    u32(CtlHeader.magic, opts.magic ?? CTL_MAGIC); // last, like slipwayd
  }

  /** Serve requests every millisecond and keep the heartbeat fresh, like slipwayd. */
  start(): this {
    this.beat();
    this.timer = setInterval(() => {
      this.beat();
      this.serve();
    }, 1);
    return this;
  }

  /** Writes dp_heartbeat_ns (CLOCK_MONOTONIC). */
  beat(): void {
    new DataView(this.buf).setBigUint64(CtlHeader.dp_heartbeat_ns, loadNative().monotonicNs(), true);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Stops serving and removes the file. */
  destroy(): void {
    this.stop();
    fs.rmSync(this.opts.file, { force: true });
  }

  header32(field: keyof typeof CtlHeader): number {
    return new DataView(this.buf).getUint32(CtlHeader[field], true);
  }

  setHeader32(field: keyof typeof CtlHeader, x: number): void {
    new DataView(this.buf).setUint32(CtlHeader[field], x, true);
  }

  emit(e: Omit<codec.PortEvent, 'seq'> | Omit<codec.LeaseEvent, 'seq'>): void {
    const m = codec.encodeEvent({ ...e, seq: this.evtSeq++ } as codec.SlipwayEvent);
    if (!this.evt.produce(m)) throw new Error('fake: event ring full');
  }

  /** Writes counter `name` of `port` on stats slot `slot`. */
  setCounter(slot: number, port: number, name: (typeof PORT_COUNTERS)[number], x: bigint): void {
    const off =
      this.statsOff +
      StatsArea.lcores +
      slot * LcoreStats.SIZE +
      LcoreStats.ports +
      port * PortCounters.SIZE +
      PORT_COUNTERS.indexOf(name) * 8;
    new DataView(this.buf).setBigUint64(off, x, true);
  }

  setLcore(slot: number, lcoreId: number, role: number, busy: bigint, idle: bigint): void {
    const v = new DataView(this.buf);
    const base = this.statsOff + StatsArea.lcores + slot * LcoreStats.SIZE;
    v.setUint32(base + LcoreStats.lcore_id, lcoreId, true);
    v.setUint32(base + LcoreStats.role, role, true);
    v.setBigUint64(base + LcoreStats.busy_polls, busy, true);
    v.setBigUint64(base + LcoreStats.idle_polls, idle, true);
    v.setUint32(
      this.statsOff + StatsArea.n_lcores,
      Math.max(slot + 1, v.getUint32(this.statsOff + StatsArea.n_lcores, true)),
      true,
    );
  }

  /** Device counters, written under the seqlock like the main lcore does. */
  setDev(port: number, ipackets: bigint, opackets: bigint): void {
    const v = new DataView(this.buf);
    const seq = this.statsOff + StatsArea.dev_seq;
    v.setUint32(seq, v.getUint32(seq, true) + 1, true);
    const base = this.statsOff + StatsArea.dev + port * DevStats.SIZE;
    v.setBigUint64(base + DevStats.ipackets, ipackets, true);
    v.setBigUint64(base + DevStats.opackets, opackets, true);
    v.setBigUint64(this.statsOff + StatsArea.mbuf_total, 8192n, true);
    v.setBigUint64(this.statsOff + StatsArea.mbuf_free, 8000n, true);
    v.setUint32(seq, v.getUint32(seq, true) + 1, true);
  }

  serve(): void {
    // Like slipwayd: an answer that does not fit waits (and holds back the
    // requests behind it) until the controller has consumed enough.
    for (;;) {
      if (this.held) {
        if (!this.resp.produce(this.held)) return;
        this.held = undefined;
      }
      const m = this.req.consume();
      if (m === null) return;
      this.seen.push(m);
      if (this.ignore.has(m.type)) continue;
      const [status, payload] = this.handle(m);
      this.held = { type: m.type, seq: m.seq, status, payload };
    }
  }

  private err(status: number, text: string): [number, Uint8Array] {
    return [status, codec.encodeErrorText(text)];
  }

  private port(payload: Uint8Array): codec.PortInfo | number {
    if (payload.byteLength !== 8) return -1;
    const p = codec.decodePortRef(payload);
    return p < this.ports.length ? this.ports[p] : p;
  }

  private handle(m: codec.Message): [number, Uint8Array] {
    const answered = this.config.handle(m);
    if (answered) return answered;
    const none = new Uint8Array(0);
    switch (m.type) {
      case Op.HELLO:
        return [
          ST.OK,
          codec.encodeHello({
            abiVersion: CTL_ABI_VERSION,
            dpPid: this.header32('dp_pid'),
            nWorkers: 1,
            maxPorts: MAX_PORTS,
            nPorts: this.ports.length,
          }),
        ];
      case Op.PORT_LIST:
        return [ST.OK, codec.encodePortList(this.ports)];
      case Op.PORT_ADD: {
        const devargs = codec.decodeDevargs(m.payload);
        const n = this.ports.length;
        if (n >= MAX_PORTS) return this.err(8, 'no free port slot');
        const p: codec.PortInfo = {
          port: n,
          ethPort: n,
          started: false,
          linkUp: false,
          linkSpeed: 0,
          mtu: 1500,
          mac: `02:00:00:00:00:${n.toString(16).padStart(2, '0')}`,
          promisc: false,
          fullDuplex: true,
          workerLcore: null,
          nRxq: 1,
          nTxq: 2,
          minMtu: 68,
          maxMtu: 9600,
          name: devargs.split(',')[0],
          driver: 'net_null',
          vif: `vEth${n}`,
        };
        this.ports.push(p);
        this.emit({ type: 'port-added', port: n, linkUp: false, started: false, linkSpeed: 0 });
        return [ST.OK, codec.encodePortInfo(p)];
      }
      case Op.PORT_GET:
      case Op.PORT_START:
      case Op.PORT_STOP: {
        const p = this.port(m.payload);
        if (p === -1) return this.err(ST.MALFORMED, `payload of ${m.payload.byteLength} bytes, expected 8`);
        if (typeof p === 'number')
          return p >= MAX_PORTS
            ? this.err(ST.RANGE, `port ${p} out of range`)
            : this.err(ST.NO_PORT, `port ${p} does not exist`);
        if (m.type !== Op.PORT_GET) {
          p.started = m.type === Op.PORT_START;
          p.workerLcore = p.started ? 1 : null;
          this.emit({
            type: p.started ? 'port-started' : 'port-stopped',
            port: p.port,
            linkUp: p.linkUp,
            started: p.started,
            linkSpeed: p.linkSpeed,
          });
        }
        return [ST.OK, codec.encodePortInfo(p)];
      }
      case Op.PORT_SET: {
        const s = codec.decodePortSet(m.payload);
        const p = this.ports[s.port];
        if (!p) return this.err(ST.NO_PORT, `port ${s.port} does not exist`);
        if (s.mtu !== undefined && (s.mtu < p.minMtu || s.mtu > p.maxMtu))
          return this.err(ST.RANGE, `port ${s.port}: mtu ${s.mtu} out of range ${p.minMtu}..${p.maxMtu}`);
        Object.assign(p, s);
        return [ST.OK, codec.encodePortInfo(p)];
      }
      case Op.XC_ADD: {
        const x = codec.decodeXConnect(new DataView(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength));
        if (this.xcs.has(x.inPort)) return this.err(ST.EXISTS, `port ${x.inPort} is already cross-connected`);
        this.xcs.set(x.inPort, x.outPort);
        return [ST.OK, none];
      }
      case Op.XC_DEL: {
        const p = codec.decodePortRef(m.payload);
        if (!this.xcs.delete(p)) return this.err(ST.NOT_FOUND, `port ${p} has no cross-connect`);
        return [ST.OK, none];
      }
      case Op.XC_LIST:
        return [ST.OK, codec.encodeXConnectList([...this.xcs].map(([inPort, outPort]) => ({ inPort, outPort })))];
      case Op.ROUTE_ADD: {
        const r = tables.decodeRoutePayload(m.payload);
        this.routes.set(r.prefix, r);
        return [ST.OK, none];
      }
      case Op.ROUTE_DEL: {
        const r = tables.decodeRoutePayload(m.payload);
        if (!this.routes.delete(r.prefix)) return this.err(ST.NOT_FOUND, `route ${r.prefix} does not exist`);
        return [ST.OK, none];
      }
      case Op.NEIGH_ADD: {
        const n = tables.decodeNeighbourPayload(m.payload);
        this.neighbours.set(`${n.port}|${n.ip}`, n);
        return [ST.OK, none];
      }
      case Op.ROUTE_GET:
        return [ST.OK, tables.encodeRouteMatch(this.lookup(tables.decodeRouteLookup(m.payload)))];
      case Op.STATS_REFRESH:
        return [ST.OK, none];
      default:
        return this.err(ST.UNKNOWN_OP, `unknown op 0x${m.type.toString(16)}`);
    }
  }

  /**
   * ROUTE_GET on the model: longest prefix of the lookup's family; the ECMP
   * member from a toy hash of the flow (not the fast path's hash: enough
   * for two flows to pick different members).
   */
  private lookup(q: ReturnType<typeof tables.decodeRouteLookup>): tables.RouteMatch {
    const none: tables.RouteMatch = {
      found: false,
      route: null,
      member: null,
      nextHop: null,
      resolved: false,
      mac: null,
      outPort: null,
    };
    const dst = ip.parseIp(q.dst).bytes;
    let best: tables.Route | undefined;
    let bestLen = -1;
    for (const r of this.routes.values()) {
      const p = ip.parsePrefix(r.prefix);
      if (p.family !== q.family || p.len <= bestLen) continue;
      let match = true;
      for (let bit = 0; bit < p.len && match; bit++) {
        const mask = 0x80 >> (bit & 7);
        match = (dst[bit >> 3] & mask) === (p.bytes[bit >> 3] & mask);
      }
      if (match) {
        best = r;
        bestLen = p.len;
      }
    }
    if (!best) return none;
    if (best.type !== 'forward') return { ...none, found: true, route: best };
    const hash = [q.from ?? '', String(q.proto ?? 0), String(q.sport ?? 0), String(q.dport ?? 0)]
      .join('|')
      .split('')
      .reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 0);
    const member = hash % best.via.length;
    const nh = best.via[member];
    const n = this.neighbours.get(`${nh.port}|${nh.gw ?? q.dst}`);
    return {
      found: true,
      route: best,
      member,
      nextHop: nh,
      resolved: n !== undefined,
      mac: n?.mac ?? null,
      outPort: nh.port,
    };
  }
}

/** A unique control-file directory-less path in /dev/shm for one test. */
export function tmpCtl(tag: string): { dir: string; instance: string; file: string } {
  const instance = `t${process.pid}-${tag}-${Math.floor(Math.random() * 1e6)}`.slice(0, 31);
  return { dir: '/dev/shm', instance, file: `/dev/shm/slipway.${instance}.ctl` };
}
