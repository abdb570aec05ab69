/**
 * Byte-level helpers every codec shares: a DataView over a payload, the
 * length check of a payload read from the dataplane, and fixed-size C
 * strings.
 */
import { SlipwayError } from '../errors';

export const utf8Encoder = new TextEncoder();
export const utf8Decoder = new TextDecoder('utf-8');

/** A DataView over exactly the bytes of b. */
export function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** PROTOCOL error naming `what` when the dataplane sent fewer than size bytes. */
export function need(b: Uint8Array, size: number, what: string): void {
  if (b.byteLength < size) {
    throw new SlipwayError('PROTOCOL', `${what}: payload is ${b.byteLength} bytes, expected at least ${size}`);
  }
}

/** Reads a fixed-size C string field, trimmed at the first NUL. */
export function readCString(v: DataView, off: number, len: number): string {
  const bytes = new Uint8Array(v.buffer, v.byteOffset + off, len);
  const nul = bytes.indexOf(0);
  return utf8Decoder.decode(nul < 0 ? bytes : bytes.subarray(0, nul));
}

/** Writes `s` into a fixed-size C string field (truncated so a NUL always fits). */
export function writeCString(v: DataView, off: number, len: number, s: string): void {
  const bytes = utf8Encoder.encode(s).subarray(0, len - 1);
  const dst = new Uint8Array(v.buffer, v.byteOffset + off, len);
  dst.fill(0);
  dst.set(bytes);
}
