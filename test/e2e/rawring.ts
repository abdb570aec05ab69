/*
 * A deliberately bad controller for the malformed-request tests: maps the
 * control file with the native addon and writes hand-made (truncated,
 * undersized, oversized) messages straight into the request ring, bypassing
 * the library's codec. It holds a client slot of its own, beside any
 * library client.
 */
import { MSG_HDR_SIZE, MsgHdr, Op, RING_DATA_OFF, RingHdr, msgAlign } from '../../ts-api/src/wire/abi';
import type { Message } from '../../ts-api/src/wire/message';
import { ownPidns, startTicks, validateHeader } from '../../ts-api/src/wire/ctlfile';
import { type ClaimedSlot, SlotTable } from '../../ts-api/src/wire/slots';
import { loadNative } from '../../ts-api/src/native';
import type { Ring } from '../../ts-api/src/wire/ring';
import { sleep } from './netns';

export class RawController {
  private readonly buf: ArrayBuffer;
  private readonly i32: Int32Array;
  private readonly slots: SlotTable;
  private slot?: ClaimedSlot;
  private seq = 0x5a000000;

  constructor(readonly file: string) {
    this.buf = loadNative().mapFile(file);
    this.i32 = new Int32Array(this.buf);
    this.slots = new SlotTable(this.buf, validateHeader(this.buf, file));
  }

  /** Claims a client slot like a client would (its rings are the ones written to). */
  claimSlot(): void {
    const slot = this.slots.claim({
      pid: process.pid,
      pidns: ownPidns(),
      startTicks: startTicks('self') ?? 0n,
      name: 'rawring',
      nowNs: loadNative().monotonicNs(),
    });
    if (!slot) throw new Error('all client slots are in use');
    this.slot = slot;
  }

  releaseSlot(): void {
    this.slot?.release();
  }

  private get held(): ClaimedSlot {
    if (!this.slot) throw new Error('claimSlot() first');
    return this.slot;
  }

  private get resp(): Ring {
    return this.held.resp;
  }

  private get reqOff(): number {
    return this.held.req.offset;
  }

  private get reqSize(): number {
    return this.held.req.size;
  }

  private u32(off: number): number {
    return Atomics.load(this.i32, off / 4) >>> 0;
  }

  /**
   * Writes `bytes` (a message as raw bytes, header included) at the
   * producer index and publishes `publish` bytes (default: the bytes
   * rounded up to 8). Pads to the start of the ring first when needed.
   */
  writeRaw(bytes: Uint8Array, publish = msgAlign(bytes.byteLength)): void {
    const data = new Uint8Array(this.buf, this.reqOff + RING_DATA_OFF, this.reqSize);
    const view = new DataView(this.buf, this.reqOff + RING_DATA_OFF, this.reqSize);
    let prod = this.u32(this.reqOff + RingHdr.prod);
    const cons = this.u32(this.reqOff + RingHdr.cons);
    if (prod !== cons) {
      throw new Error(`request ring not drained (prod ${prod}, cons ${cons})`);
    }

    let pos = prod & (this.reqSize - 1);
    const room = Math.max(publish, msgAlign(bytes.byteLength));
    if (this.reqSize - pos < room + MSG_HDR_SIZE) {
      const pad = this.reqSize - pos;
      view.setUint32(pos + MsgHdr.len, pad, true);
      view.setUint16(pos + MsgHdr.type, Op.PAD, true);
      prod = (prod + pad) >>> 0;
      pos = 0;
    }

    data.fill(0, pos, pos + room);
    data.set(bytes, pos);
    Atomics.store(this.i32, (this.reqOff + RingHdr.prod) / 4, (prod + publish) | 0);
    Atomics.add(this.i32, (this.reqOff + RingHdr.wake) / 4, 1);
    if (this.u32(this.reqOff + RingHdr.sleepers) !== 0) {
      loadNative().futexWake(this.buf, this.reqOff + RingHdr.wake, 1);
    }
  }

  /** A message header (len as given, whatever the payload) followed by payload. */
  message(len: number, type: number, payload: Uint8Array = new Uint8Array(0)): { bytes: Uint8Array; seq: number } {
    const seq = ++this.seq;
    const bytes = new Uint8Array(MSG_HDR_SIZE + payload.byteLength);
    const v = new DataView(bytes.buffer);
    v.setUint32(MsgHdr.len, len, true);
    v.setUint16(MsgHdr.type, type, true);
    v.setUint32(MsgHdr.seq, seq, true);
    bytes.set(payload, MSG_HDR_SIZE);
    return { bytes, seq };
  }

  /** Waits for the next response (any seq) and returns it. */
  async response(timeoutMs = 3000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.resp.consume();
      if (m) {
        return m;
      }

      if (Date.now() > deadline) {
        const reqProd = this.u32(this.reqOff + RingHdr.prod);
        const reqCons = this.u32(this.reqOff + RingHdr.cons);
        throw new Error(`no response within ${timeoutMs} ms (request ring prod ${reqProd} cons ${reqCons})`);
      }

      await sleep(5);
    }
  }

  /** Request ring indices (the dataplane must have consumed everything). */
  requestIndices(): { prod: number; cons: number } {
    return { prod: this.u32(this.reqOff + RingHdr.prod), cons: this.u32(this.reqOff + RingHdr.cons) };
  }
}
