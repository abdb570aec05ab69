/**
 * Client slots (slipway_ctl.h, struct sw_slot): how a client claims one of
 * the control file's slots, proves it is alive, notices that it lost it,
 * and gives it back; and the slot's two rings.
 *
 * Claim: compare-and-swap of state FREE -> CLAIMING, gen + 1, the client's
 * identity (pid, pid namespace, start time, name) and a first heartbeat,
 * the rings as they are, then state ACTIVE (a release store). Release:
 * state RELEASED, only while the slot is still this claim's; the dataplane
 * resets the rings and frees it. The dataplane also frees the slot of a
 * client that is gone (and resets its rings); a client sees that as a
 * state other than ACTIVE or another gen.
 */
import { NAME_LEN, RING_DATA_OFF, SLOT_HDR_SIZE, SlotHdr, SlotState } from './abi/control';
import { readCString, writeCString } from './bytes';
import type { CtlHeaderInfo } from './ctlfile';
import { Ring, type WakeFn } from './ring';
import { SlipwayError } from '../errors';

/** Who claims a slot. */
export interface ClientIdentity {
  pid: number;
  pidns: number;
  startTicks: bigint;
  /** "slipctl", "agent", the application's choice (at most 31 bytes) */
  name: string;
  /** CLOCK_MONOTONIC now, ns */
  nowNs: bigint;
}

/** One slot as anyone can see it (for messages: who holds what). */
export interface SlotView {
  index: number;
  state: number;
  gen: number;
  pid: number;
  name: string;
}

/** The slot table of a mapped control file, as its validated header lays it out. */
export class SlotTable {
  constructor(
    readonly buffer: ArrayBuffer,
    private readonly h: Pick<CtlHeaderInfo, 'slotOff' | 'slotSize' | 'nSlots' | 'reqSize' | 'respSize'>,
  ) {}

  get count(): number {
    return this.h.nSlots;
  }

  /** Byte offset of slot `i`. */
  offset(i: number): number {
    return this.h.slotOff + i * this.h.slotSize;
  }

  /** Every slot's state and occupant. */
  list(): SlotView[] {
    const out: SlotView[] = [];
    for (let i = 0; i < this.h.nSlots; i++) {
      const off = this.offset(i);
      const i32 = new Int32Array(this.buffer, off, SLOT_HDR_SIZE / 4);
      out.push({
        index: i,
        state: Atomics.load(i32, SlotHdr.state / 4) >>> 0,
        gen: Atomics.load(i32, SlotHdr.gen / 4) >>> 0,
        pid: Atomics.load(i32, SlotHdr.pid / 4) >>> 0,
        name: readCString(new DataView(this.buffer, off, SLOT_HDR_SIZE), SlotHdr.name, NAME_LEN),
      });
    }
    return out;
  }

  /**
   * Claims the first free slot for `who`; undefined when every slot is
   * taken. Throws PROTOCOL (after giving the slot back) when the slot's
   * ring offsets do not fit in it.
   */
  claim(who: ClientIdentity, opts: { wake?: WakeFn } = {}): ClaimedSlot | undefined {
    for (let i = 0; i < this.h.nSlots; i++) {
      const off = this.offset(i);
      const i32 = new Int32Array(this.buffer, off, SLOT_HDR_SIZE / 4);
      if (Atomics.compareExchange(i32, SlotHdr.state / 4, SlotState.FREE, SlotState.CLAIMING) !== SlotState.FREE) {
        continue;
      }
      try {
        return new ClaimedSlot(this.buffer, i, off, this.h, who, opts.wake);
      } catch (e) {
        // give back a claim still ours; one the dataplane freed is not ours to touch
        if (!(e instanceof LostClaim))
          Atomics.compareExchange(i32, SlotHdr.state / 4, SlotState.CLAIMING, SlotState.FREE);
        throw e;
      }
    }
    return undefined;
  }
}

/** The dataplane freed a claim that took longer than it allows. */
class LostClaim extends SlipwayError {}

/** A slot this client holds: its identity written, its rings attached. */
export class ClaimedSlot {
  readonly req: Ring;
  readonly resp: Ring;
  /** slot.gen of this claim */
  readonly gen: number;
  private readonly i32: Int32Array;
  private readonly i64: BigInt64Array;

  /** @internal by {@link SlotTable.claim}, with state CLAIMING already ours. */
  constructor(
    readonly buffer: ArrayBuffer,
    readonly index: number,
    readonly offset: number,
    h: Pick<CtlHeaderInfo, 'slotSize' | 'reqSize' | 'respSize'>,
    readonly who: ClientIdentity,
    wake?: WakeFn,
  ) {
    const i32 = new Int32Array(buffer, offset, SLOT_HDR_SIZE / 4);
    const i64 = new BigInt64Array(buffer, offset, SLOT_HDR_SIZE / 8);
    this.i32 = i32;
    this.i64 = i64;
    // the ring offsets (written by the dataplane), checked once, used as checked
    const reqOff = Atomics.load(i32, SlotHdr.req_off / 4) >>> 0;
    const respOff = Atomics.load(i32, SlotHdr.resp_off / 4) >>> 0;
    const rings: [string, number, number][] = [
      ['request ring', reqOff, h.reqSize],
      ['response ring', respOff, h.respSize],
    ];
    for (const [name, off, size] of rings) {
      if (off < SLOT_HDR_SIZE || off % 64 !== 0 || off + RING_DATA_OFF + size > h.slotSize) {
        throw new SlipwayError(
          'PROTOCOL',
          `client slot ${index}: ${name} at ${off} (+${RING_DATA_OFF + size}) is outside the ${h.slotSize}-byte slot`,
        );
      }
    }
    if (reqOff < respOff + RING_DATA_OFF + h.respSize && respOff < reqOff + RING_DATA_OFF + h.reqSize) {
      throw new SlipwayError('PROTOCOL', `client slot ${index}: request ring at ${reqOff} overlaps response ring`);
    }
    this.gen = (Atomics.add(i32, SlotHdr.gen / 4, 1) + 1) >>> 0;
    Atomics.store(i32, SlotHdr.pid / 4, who.pid);
    Atomics.store(i32, SlotHdr.pidns / 4, who.pidns | 0);
    Atomics.store(i64, SlotHdr.start_ticks / 8, BigInt.asIntN(64, who.startTicks));
    Atomics.store(i64, SlotHdr.heartbeat_ns / 8, BigInt.asIntN(64, who.nowNs));
    writeCString(new DataView(buffer, offset, SLOT_HDR_SIZE), SlotHdr.name, NAME_LEN, who.name);
    this.req = new Ring(buffer, offset + reqOff, h.reqSize, { wake, name: `slot ${index} request ring` });
    this.resp = new Ring(buffer, offset + respOff, h.respSize, { wake, name: `slot ${index} response ring` });
    // Rings as they are: the dataplane empties them when it frees a slot.
    // Anything still on the response ring is not ours.
    this.resp.skipAll();
    // release: identity before ACTIVE; a CAS, since a claim that took longer
    // than the dataplane allows is freed (and may be another client's by now)
    if (Atomics.compareExchange(i32, SlotHdr.state / 4, SlotState.CLAIMING, SlotState.ACTIVE) !== SlotState.CLAIMING) {
      throw new LostClaim('BUSY', `client slot ${index}: the claim took too long and was freed by the dataplane`);
    }
  }

  /** Why the slot is no longer this claim's (freed, or claimed again), or undefined while it is. */
  lost(): string | undefined {
    const state = Atomics.load(this.i32, SlotHdr.state / 4) >>> 0;
    const gen = Atomics.load(this.i32, SlotHdr.gen / 4) >>> 0;
    if (gen !== this.gen) return `claimed again (gen ${gen}, ours was ${this.gen})`;
    if (state === SlotState.FREE || state === SlotState.CLAIMING) return 'freed by the dataplane';
    if (state !== SlotState.ACTIVE) return state === SlotState.RELEASED ? 'released' : `in state ${state}`;
    return undefined;
  }

  /** Writes the heartbeat, only while the slot is still ours. */
  beat(nowNs: bigint): void {
    if (this.lost() === undefined) Atomics.store(this.i64, SlotHdr.heartbeat_ns / 8, BigInt.asIntN(64, nowNs));
  }

  /** Requests the dataplane answered for this claim. */
  served(): bigint {
    return BigInt.asUintN(64, Atomics.load(this.i64, SlotHdr.served / 8));
  }

  /** Gives the slot back (state RELEASED: the dataplane empties the rings and frees it), only if it is still this claim's. Idempotent. */
  release(): void {
    if (Atomics.load(this.i32, SlotHdr.gen / 4) >>> 0 !== this.gen) return;
    Atomics.compareExchange(this.i32, SlotHdr.state / 4, SlotState.ACTIVE, SlotState.RELEASED);
  }
}
