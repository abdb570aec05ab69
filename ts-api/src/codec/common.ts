/**
 * What the feature codecs share: MAC addresses, port indexes, listings
 * (whole and paged) and the shape of an event codec.
 */
import { AF, ListHdr, ListReq, MAX_PORTS } from '../wire/abi/control';
import { need, viewOf } from '../wire/bytes';
import type { Message } from '../wire/message';
import { check } from '../errors';

/* ---------------- MAC addresses ---------------- */

const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

/** True for "aa:bb:cc:dd:ee:ff" (hex, either case). */
export function isMac(s: unknown): s is string {
  return typeof s === 'string' && MAC_RE.test(s);
}

/** "aa:bb:cc:dd:ee:ff" -> 6 bytes; BAD_ARGUMENT on anything else. */
export function parseMac(s: string): Uint8Array {
  check(isMac(s), `bad MAC address ${JSON.stringify(s)}: expected aa:bb:cc:dd:ee:ff`);
  return Uint8Array.from(s.split(':').map((x) => parseInt(x, 16)));
}

/** 6 bytes at `off` -> "aa:bb:cc:dd:ee:ff" (lower case). */
export function formatMac(v: DataView, off: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++)
    parts.push(
      v
        .getUint8(off + i)
        .toString(16)
        .padStart(2, '0'),
    );
  return parts.join(':');
}

/* ---------------- ports ---------------- */

/** Validates a slipway port index (integer 0..MAX_PORTS-1). */
export function checkPort(port: unknown, what = 'port'): asserts port is number {
  check(
    Number.isInteger(port) && (port as number) >= 0 && (port as number) < MAX_PORTS,
    `bad ${what} ${JSON.stringify(port)}: expected an integer 0..${MAX_PORTS - 1}`,
  );
}

/* ---------------- listings ---------------- */

/** One page of a listing: items and the cursor of the next page (0: done). */
export interface ListPage<T> {
  items: T[];
  next: number;
}

/** Parses a whole listing (sw_list_hdr + `count` structs of elemSize). */
export function decodeList<T>(
  b: Uint8Array,
  elemSize: number,
  what: string,
  read: (v: DataView, off: number) => T,
): T[] {
  return decodePage(b, elemSize, what, read).items;
}

/** A whole listing's payload (tests and fake dataplanes). */
export function encodeList<T>(
  items: readonly T[],
  elemSize: number,
  write: (v: DataView, b: Uint8Array, off: number, x: T) => void,
): Uint8Array {
  return encodePage({ items: [...items], next: 0 }, elemSize, write);
}

/** Parses one page of a paged listing: the items and the next cursor. */
export function decodePage<T>(
  b: Uint8Array,
  elemSize: number,
  what: string,
  read: (v: DataView, off: number) => T,
): ListPage<T> {
  need(b, ListHdr.SIZE, what);
  const v = viewOf(b);
  const count = v.getUint32(ListHdr.count, true);
  need(b, ListHdr.SIZE + count * elemSize, `${what} (${count} entries)`);
  const items: T[] = new Array(count);
  for (let i = 0; i < count; i++) items[i] = read(v, ListHdr.SIZE + i * elemSize);
  return { items, next: v.getUint32(ListHdr.next, true) };
}

/** One page's payload (tests and fake dataplanes). */
export function encodePage<T>(
  page: ListPage<T>,
  elemSize: number,
  write: (v: DataView, b: Uint8Array, off: number, x: T) => void,
): Uint8Array {
  const out = new Uint8Array(ListHdr.SIZE + page.items.length * elemSize);
  const v = viewOf(out);
  v.setUint32(ListHdr.count, page.items.length, true);
  v.setUint32(ListHdr.next, page.next, true);
  page.items.forEach((x, i) => write(v, out, ListHdr.SIZE + i * elemSize, x));
  return out;
}

/** sw_list_req payload: up to `max` entries (0: as many as fit) from `cursor`, of `family` (0: both). */
export function encodeListReq(q: { cursor?: number; max?: number; family?: number } = {}): Uint8Array {
  const cursor = q.cursor ?? 0;
  const max = q.max ?? 0;
  const family = q.family ?? 0;
  check(
    Number.isInteger(cursor) && cursor >= 0 && cursor <= 0xffffffff,
    `bad list cursor ${JSON.stringify(cursor)}: expected an integer 0..2^32-1`,
  );
  check(
    Number.isInteger(max) && max >= 0 && max <= 0xffff,
    `bad list max ${JSON.stringify(max)}: expected an integer 0..65535`,
  );
  check(
    family === 0 || family === AF.INET || family === AF.INET6,
    `bad family ${JSON.stringify(family)}: expected 4 or 6`,
  );
  const out = new Uint8Array(ListReq.SIZE);
  const v = viewOf(out);
  v.setUint32(ListReq.cursor, cursor, true);
  v.setUint16(ListReq.max, max, true);
  v.setUint8(ListReq.family, family);
  return out;
}

/** Parses a sw_list_req payload. */
export function decodeListReq(b: Uint8Array): { cursor: number; max: number; family: number } {
  need(b, ListReq.SIZE, 'list request');
  const v = viewOf(b);
  return {
    cursor: v.getUint32(ListReq.cursor, true),
    max: v.getUint16(ListReq.max, true),
    family: v.getUint8(ListReq.family),
  };
}

/** The code of a name in a code -> name table (0 when it is not there). */
export const codeOf = <T extends string>(names: Record<number, T>, name: T): number =>
  Number(Object.entries(names).find(([, n]) => n === name)?.[0] ?? 0);

/* ---------------- events ---------------- */

/**
 * How one event type travels on the event ring: its SW_EVT_* code, the
 * name of its `type` field in the API, and both directions (events.ts
 * assembles the dispatch from every feature's codecs).
 */
export interface EventCodec<E extends { type: string; seq: number }> {
  code: number;
  name: E['type'];
  /** null when the payload holds something this library does not know */
  decode(seq: number, payload: Uint8Array): E | null;
  encode(e: E): Message;
}
