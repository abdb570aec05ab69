/**
 * A fake slipwayd in TypeScript for unit tests: creates a control file with
 * the real layout (from ts-api/src/wire/abi: client slots, event log, stats
 * area), serves every ACTIVE slot's request ring from a timer (one request
 * per slot in turn), frees the slots of dead clients with a CLIENT_GONE
 * event, keeps a small port/xconnect model and writes the stats area. It is
 * not a reference implementation of the dataplane, just enough to exercise
 * the client (slots, pipelining, errors, events, stats, timeouts) and the
 * route lookup (a route and neighbour table, ROUTE_GET).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CTL_ABI_VERSION,
  CTL_HEADER_SIZE,
  CTL_MAGIC,
  CtlHeader,
  DevStats,
  EVT_RECORD_SIZE,
  LcoreStats,
  MAX_CLIENTS,
  MAX_PORTS,
  Op,
  PORT_COUNTERS,
  PortCounters,
  RING_DATA_OFF,
  SLOT_HDR_SIZE,
  SLOT_TIMEOUT_MS,
  SlotHdr,
  SlotState,
  State,
  StatsArea,
} from '../../../ts-api/src/wire/abi';
import * as codec from './codec';
import { FakeTables } from './fake-tables';
import * as tables from './tables';
import * as ip from '../../../ts-api/src/codec/ip';
import { ctlPath, ownPidns, pidAlive, startTicks } from '../../../ts-api/src/wire/ctlfile';
import { EventLog } from '../../../ts-api/src/wire/evlog';
import { loadNative } from '../../../ts-api/src/native';
import { Ring } from '../../../ts-api/src/wire/ring';

export interface FakeOptions {
  file: string;
  reqSize?: number;
  respSize?: number;
  /** client slots (default 16) */
  nSlots?: number;
  /** event-log records (default 1024) */
  evtRecords?: number;
  dpPid?: number;
  state?: number;
  magic?: number;
  abiVersion?: number;
  /** PORT_DEVARGS answers "<name>,slot=S,seq=Q": which slot asked, for tests of answer routing */
  echoSlot?: boolean;
  /** ops the fake never answers (to provoke TIMEOUT) */
  ignore?: number[];
  /** a slot whose heartbeat is older than this is freed (default SLOT_TIMEOUT_MS) */
  slotTimeoutMs?: number;
  /** file mode (default 0600) */
  mode?: number;
  /**
   * Hold answers like slipwayd holds a batch: requests are consumed as they
   * come, answers published only once no request came for this many ms.
   */
  holdMs?: number;
}

const ST = { OK: 0, MALFORMED: 1, UNKNOWN_OP: 2, NO_PORT: 3, RANGE: 5, EXISTS: 6, NOT_FOUND: 7 };

const align64 = (n: number) => Math.ceil(n / 64) * 64;

/** One client slot as the fake sees it. */
export interface FakeSlot {
  index: number;
  offset: number;
  req: Ring;
  resp: Ring;
  held?: { type: number; seq: number; status: number; payload: Uint8Array };
}

export class FakeDataplane {
  readonly buf: ArrayBuffer;
  readonly slots: FakeSlot[] = [];
  readonly evlog: EventLog;
  readonly statsOff: number;
  readonly ports: codec.PortInfo[] = [];
  readonly xcs = new Map<number, number>();
  /** routes by canonical prefix, neighbours by "port|ip" */
  readonly routes = new Map<string, tables.Route>();
  readonly neighbours = new Map<string, tables.Neighbour>();
  /** devargs, listings with origins, rules, policer, kernel sync; failures on demand (fake-tables.ts) */
  readonly config = new FakeTables(this);
  /** every request seen, in order, and the slot it came on */
  readonly seen: codec.Message[] = [];
  readonly seenSlot: number[] = [];
  /** with holdMs: held batches committed (answers published) */
  commits = 0;
  /** with holdMs: the longest wait between two requests while answers were held, ms */
  maxHeldGapMs = 0;
  private heldAnswers: { slot: FakeSlot; m: { type: number; seq: number; status: number; payload: Uint8Array } }[] = [];
  private lastRequestAt = 0;
  /** answers instead of the model when it returns something (corrupt answers in tests) */
  override?: (m: codec.Message) => [number, Uint8Array] | undefined;
  private timer?: NodeJS.Timeout;
  private readonly ignore: Set<number>;
  private next = 0;

  constructor(readonly opts: FakeOptions) {
    const reqSize = opts.reqSize ?? 4096;
    const respSize = opts.respSize ?? 4096;
    const nSlots = opts.nSlots ?? MAX_CLIENTS;
    const evtRecords = opts.evtRecords ?? 1024;
    const reqOff = SLOT_HDR_SIZE;
    const respOff = reqOff + RING_DATA_OFF + reqSize;
    const slotSize = align64(respOff + RING_DATA_OFF + respSize);
    const slotOff = CTL_HEADER_SIZE;
    const evtOff = slotOff + nSlots * slotSize;
    this.statsOff = align64(evtOff + evtRecords * EVT_RECORD_SIZE);
    const size = this.statsOff + StatsArea.SIZE;
    fs.writeFileSync(opts.file, Buffer.alloc(size), { mode: opts.mode ?? 0o600 });
    fs.chmodSync(opts.file, opts.mode ?? 0o600);
    this.buf = loadNative().mapFile(opts.file);
    const v = new DataView(this.buf);
    const u32 = (off: number, x: number) => v.setUint32(off, x, true);
    u32(CtlHeader.abi_version, opts.abiVersion ?? CTL_ABI_VERSION);
    u32(CtlHeader.header_size, CTL_HEADER_SIZE);
    u32(CtlHeader.state, opts.state ?? State.READY);
    v.setBigUint64(CtlHeader.file_size, BigInt(size), true);
    u32(CtlHeader.slot_off, slotOff);
    u32(CtlHeader.slot_size, slotSize);
    u32(CtlHeader.n_slots, nSlots);
    u32(CtlHeader.req_size, reqSize);
    u32(CtlHeader.resp_size, respSize);
    u32(CtlHeader.evt_off, evtOff);
    u32(CtlHeader.evt_records, evtRecords);
    u32(CtlHeader.evt_record_size, EVT_RECORD_SIZE);
    u32(CtlHeader.stats_off, this.statsOff);
    u32(CtlHeader.stats_size, StatsArea.SIZE);
    u32(CtlHeader.dp_pid, opts.dpPid ?? process.pid);
    u32(CtlHeader.n_workers, 1);
    if (opts.dpPid === undefined) {
      v.setBigUint64(CtlHeader.dp_start_ticks, startTicks('self') ?? 0n, true);
      u32(CtlHeader.dp_pidns, ownPidns());
    }
    const wake = loadNative().futexWake;
    for (let i = 0; i < nSlots; i++) {
      const offset = slotOff + i * slotSize;
      u32(offset + SlotHdr.req_off, reqOff);
      u32(offset + SlotHdr.resp_off, respOff);
      Ring.init(this.buf, offset + reqOff, reqSize);
      Ring.init(this.buf, offset + respOff, respSize);
      this.slots.push({
        index: i,
        offset,
        req: new Ring(this.buf, offset + reqOff, reqSize, { wake, name: `fake slot ${i} request ring` }),
        resp: new Ring(this.buf, offset + respOff, respSize, { wake, name: `fake slot ${i} response ring` }),
      });
    }
    this.evlog = new EventLog(this.buf, evtOff, evtRecords);
    this.ignore = new Set(opts.ignore ?? []);
    u32(CtlHeader.magic, opts.magic ?? CTL_MAGIC); // last, like slipwayd
  }

  private paused = false;

  /** Serve requests every millisecond, free dead clients' slots and keep the heartbeat fresh, like slipwayd. */
  start(): this {
    clearInterval(this.timer);
    this.paused = false;
    this.beat();
    this.timer = setInterval(() => {
      this.beat();
      this.reap();
      if (!this.paused) this.serve();
    }, 1);
    return this;
  }

  /** Takes no request while the heartbeat goes on: a dataplane that is alive but busy (start() serves again). */
  pause(): void {
    this.paused = true;
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

  /** A u32 field of slot `i`'s header. */
  slot32(i: number, field: 'state' | 'gen' | 'pid' | 'pidns' | 'req_off' | 'resp_off'): number {
    return new DataView(this.buf).getUint32(this.slots[i].offset + SlotHdr[field], true);
  }

  setSlot32(i: number, field: 'state' | 'gen' | 'pid' | 'pidns' | 'req_off' | 'resp_off', x: number): void {
    new DataView(this.buf).setUint32(this.slots[i].offset + SlotHdr[field], x, true);
  }

  /** A u64 field of slot `i`'s header. */
  slot64(i: number, field: 'start_ticks' | 'heartbeat_ns' | 'served'): bigint {
    return new DataView(this.buf).getBigUint64(this.slots[i].offset + SlotHdr[field], true);
  }

  setSlot64(i: number, field: 'start_ticks' | 'heartbeat_ns' | 'served', x: bigint): void {
    new DataView(this.buf).setBigUint64(this.slots[i].offset + SlotHdr[field], x, true);
  }

  /** The name a client gave in slot `i`. */
  slotName(i: number): string {
    const b = new Uint8Array(this.buf, this.slots[i].offset + SlotHdr.name, 32);
    const nul = b.indexOf(0);
    return Buffer.from(b.subarray(0, nul < 0 ? 32 : nul)).toString();
  }

  /** Indices of the ACTIVE slots. */
  active(): number[] {
    return this.slots.filter((s) => this.slot32(s.index, 'state') === SlotState.ACTIVE).map((s) => s.index);
  }

  /** Frees slot `i` as slipwayd does: rings reset, state FREE, and CLIENT_GONE for a dead client. */
  free(i: number, gone = true): void {
    const s = this.slots[i];
    const pid = this.slot32(i, 'pid');
    Ring.init(this.buf, s.req.offset, s.req.size);
    Ring.init(this.buf, s.resp.offset, s.resp.size);
    s.held = undefined;
    this.setSlot32(i, 'state', SlotState.FREE);
    if (gone) this.emit({ type: 'client-gone', pid, slot: i });
  }

  /** Frees released slots, and those of clients that are gone (pid gone or reused, or heartbeat too old). */
  reap(): void {
    const now = loadNative().monotonicNs();
    const timeoutNs = BigInt(this.opts.slotTimeoutMs ?? SLOT_TIMEOUT_MS) * 1_000_000n;
    const ns = ownPidns();
    for (const s of this.slots) {
      if (this.slot32(s.index, 'state') === SlotState.RELEASED) this.free(s.index, false);
    }
    for (const i of this.active()) {
      const pid = this.slot32(i, 'pid');
      const sameNs = this.slot32(i, 'pidns') === ns;
      const dead = sameNs && (!pidAlive(pid) || startTicks(pid) !== this.slot64(i, 'start_ticks'));
      if (dead || now - this.slot64(i, 'heartbeat_ns') > timeoutNs) this.free(i);
    }
  }

  emit(e: Omit<codec.PortEvent, 'seq'> | Omit<codec.ClientGoneEvent, 'seq'>): bigint {
    const m = codec.encodeEvent({ ...e, seq: 0 } as codec.SlipwayEvent);
    return this.evlog.append(m.type, m.payload, loadNative().futexWake);
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

  /** An lcore's loop counters: polls that found work and none, and optionally its time (ns) busy, idle and asleep. */
  setLcore(
    slot: number,
    lcoreId: number,
    role: number,
    busy: bigint,
    idle: bigint,
    ns: { busy: bigint; idle: bigint; sleep: bigint; sleeps?: bigint; intrWakes?: bigint } = {
      busy: 0n,
      idle: 0n,
      sleep: 0n,
    },
  ): void {
    const v = new DataView(this.buf);
    const base = this.statsOff + StatsArea.lcores + slot * LcoreStats.SIZE;
    v.setUint32(base + LcoreStats.lcore_id, lcoreId, true);
    v.setUint32(base + LcoreStats.role, role, true);
    v.setBigUint64(base + LcoreStats.busy_polls, busy, true);
    v.setBigUint64(base + LcoreStats.idle_polls, idle, true);
    v.setBigUint64(base + LcoreStats.busy_ns, ns.busy, true);
    v.setBigUint64(base + LcoreStats.idle_ns, ns.idle, true);
    v.setBigUint64(base + LcoreStats.sleep_ns, ns.sleep, true);
    v.setBigUint64(base + LcoreStats.sleeps, ns.sleeps ?? 0n, true);
    v.setBigUint64(base + LcoreStats.intr_wakes, ns.intrWakes ?? 0n, true);
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

  /** Serves every ACTIVE slot, one request from each in turn (fairly), like slipwayd. */
  serve(): void {
    if (this.opts.holdMs !== undefined && this.heldAnswers.length > 0) {
      if (performance.now() - this.lastRequestAt >= this.opts.holdMs) {
        // commit the held batch: every answer, in order
        for (const h of this.heldAnswers) if (!h.slot.resp.produce(h.m)) throw new Error('fake: held answers overflow');
        this.heldAnswers = [];
        this.commits++;
      }
    }
    const active = this.active();
    let progress = true;
    while (progress) {
      progress = false;
      for (let k = 0; k < active.length; k++) {
        const s = this.slots[active[(this.next + k) % active.length]];
        if (this.serveOne(s)) progress = true;
      }
      this.next++;
    }
  }

  // Like slipwayd: an answer that does not fit waits (and holds back the
  // requests behind it) until the client has consumed enough.
  private serveOne(s: FakeSlot): boolean {
    if (s.held) {
      if (!s.resp.produce(s.held)) return false;
      s.held = undefined;
    }
    const m = s.req.consume();
    if (m === null) return false;
    this.seen.push(m);
    this.seenSlot.push(s.index);
    if (this.ignore.has(m.type)) return true;
    const [status, payload] = this.override?.(m) ?? this.handle(m, s.index);
    if (this.opts.holdMs !== undefined) {
      const now = performance.now();
      if (this.heldAnswers.length > 0) this.maxHeldGapMs = Math.max(this.maxHeldGapMs, now - this.lastRequestAt);
      this.lastRequestAt = now;
      this.heldAnswers.push({ slot: s, m: { type: m.type, seq: m.seq, status, payload } });
      return true;
    }
    s.held = { type: m.type, seq: m.seq, status, payload };
    this.setSlot64(s.index, 'served', this.slot64(s.index, 'served') + 1n);
    return true;
  }

  private err(status: number, text: string): [number, Uint8Array] {
    return [status, codec.encodeErrorText(text)];
  }

  private port(payload: Uint8Array): codec.PortInfo | number {
    if (payload.byteLength !== 8) return -1;
    const p = codec.decodePortRef(payload);
    return p < this.ports.length ? this.ports[p] : p;
  }

  private handle(m: codec.Message, slot: number): [number, Uint8Array] {
    const echo = m.type === Op.PORT_DEVARGS && this.opts.echoSlot === true;
    const answered = echo ? undefined : this.config.handle(m);
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
      case Op.PORT_DEVARGS: {
        // answers which slot asked: lets tests check that every client gets its own answers
        const p = this.port(m.payload);
        if (typeof p === 'number') return this.err(ST.NO_PORT, `port ${p} does not exist`);
        return [ST.OK, new TextEncoder().encode(`${p.name},slot=${slot},seq=${m.seq}`)];
      }
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

const dirs: string[] = [];
process.on('exit', () => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/**
 * A unique instance for one test, its control file in a private directory
 * of its own (mode 0700, as the client requires); pass `ctlDir: dir`.
 */
export function tmpCtl(tag: string): { dir: string; instance: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-unit-'));
  dirs.push(dir);
  const instance = `t${process.pid}-${tag}-${Math.floor(Math.random() * 1e6)}`.slice(0, 31);
  return { dir, instance, file: ctlPath(instance, dir) };
}
