/**
 * A message as it sits on a ring: the sw_msg_hdr fields and the payload,
 * and the UTF-8 text that a non-OK response carries.
 */
import { MSG_HDR_SIZE, MsgHdr } from './abi/control';
import { need, utf8Decoder, utf8Encoder, viewOf } from './bytes';
import { SlipwayError } from '../errors';

/** A raw message (header fields + payload). */
export interface Message {
  type: number;
  flags: number;
  seq: number;
  status: number;
  payload: Uint8Array;
}

/** Header + payload as laid out on a ring (len = 16 + payload, unpadded). */
export function encodeMessage(m: {
  type: number;
  seq: number;
  flags?: number;
  status?: number;
  payload?: Uint8Array;
}): Uint8Array {
  const payload = m.payload ?? new Uint8Array(0);
  const out = new Uint8Array(MSG_HDR_SIZE + payload.byteLength);
  const v = viewOf(out);
  v.setUint32(MsgHdr.len, out.byteLength, true);
  v.setUint16(MsgHdr.type, m.type, true);
  v.setUint16(MsgHdr.flags, m.flags ?? 0, true);
  v.setUint32(MsgHdr.seq, m.seq >>> 0, true);
  v.setUint32(MsgHdr.status, m.status ?? 0, true);
  out.set(payload, MSG_HDR_SIZE);
  return out;
}

/** Parses header + payload (the payload is a copy). */
export function decodeMessage(b: Uint8Array): Message {
  need(b, MSG_HDR_SIZE, 'message');
  const v = viewOf(b);
  const len = v.getUint32(MsgHdr.len, true);
  if (len < MSG_HDR_SIZE || len > b.byteLength) {
    throw new SlipwayError('PROTOCOL', `message: bad length ${len} (${b.byteLength} bytes available)`);
  }
  return {
    type: v.getUint16(MsgHdr.type, true),
    flags: v.getUint16(MsgHdr.flags, true),
    seq: v.getUint32(MsgHdr.seq, true),
    status: v.getUint32(MsgHdr.status, true),
    payload: b.slice(MSG_HDR_SIZE, len),
  };
}

/** The UTF-8 message carried by a non-OK response (NULs trimmed). */
export function decodeErrorText(b: Uint8Array): string {
  const nul = b.indexOf(0);
  return utf8Decoder.decode(nul < 0 ? b : b.subarray(0, nul));
}

/** Error response payload (tests and fake dataplanes). */
export function encodeErrorText(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}
