/**
 * What every namespace of the client (sw.ports, sw.routes, ...) is built
 * on: the requests it can send, the record of the desired configuration,
 * and the one helper that records what succeeded.
 */
import { STATUS_OK } from '../wire/abi/status';
import type { BatchSource } from '../wire/batch';
import type { ListPage } from '../codec/common';
import { encodeListReq } from '../codec/common';
import type { Family } from '../codec/ip';
import { SlipwayError, check } from '../errors';
import type { BatchResult } from './batch';
import type { DesiredConfig } from './desired';
import type { CallOptions } from './options';

/** Sending requests (client/transport.ts). */
export interface Requests {
  /** Sends a request and returns the OK payload; a non-OK status becomes a SlipwayError. */
  call(op: number, payload?: Uint8Array, opts?: CallOptions): Promise<Uint8Array>;
  /** Sends a batch; every item gets its own status. */
  sendBatch(src: BatchSource, opts?: CallOptions): Promise<BatchResult>;
}

/** Calls `fn(i)` for every item of `r` that succeeded. */
function forEachOk(r: BatchResult, fn: (i: number) => void): void {
  for (let i = 0; i < r.length; i++) if (r.statuses[i] === STATUS_OK) fn(i);
}

/**
 * The base of a namespace: requests, and the record of the desired
 * configuration (undefined unless `replay: true`). A single change is
 * recorded after it succeeded (`this.desired?.…`); a batch goes through
 * many(), which records each item that succeeded.
 */
export abstract class Namespace {
  constructor(
    protected readonly rq: Requests,
    protected readonly desired: DesiredConfig | undefined,
  ) {}

  /** A batch; `record` notes each item that succeeded in the desired configuration. */
  protected async many(
    src: BatchSource,
    opts: CallOptions | undefined,
    record?: (d: DesiredConfig, i: number) => void,
  ): Promise<BatchResult> {
    const r = await this.rq.sendBatch(src, opts);
    const d = this.desired;
    if (d && record) forEachOk(r, (i) => record(d, i));
    return r;
  }
}

/** Entries a listing may return at most (beyond every table's bound): a corrupt dataplane cannot grow memory forever. */
export const LIST_MAX_ENTRIES = 1 << 26;

/**
 * Follows a paged listing (sw_list_req cursor) to its end. The dataplane's
 * cursors only move forward and a page other than the last is never empty:
 * a cursor that does not advance, an empty page that is not the last, or
 * more than {@link LIST_MAX_ENTRIES} entries is PROTOCOL, so the loop ends
 * whatever comes back.
 */
export async function listAll<T>(
  rq: Requests,
  op: number,
  family: number,
  decode: (b: Uint8Array) => ListPage<T>,
  what: string,
  opts?: CallOptions,
): Promise<T[]> {
  const out: T[] = [];
  let cursor = 0;
  for (;;) {
    const page = decode(await rq.call(op, encodeListReq({ cursor, family }), opts));
    if (out.length + page.items.length > LIST_MAX_ENTRIES) {
      throw new SlipwayError('PROTOCOL', `${what}: the dataplane listed more than ${LIST_MAX_ENTRIES} entries`);
    }
    for (let i = 0; i < page.items.length; i++) out.push(page.items[i]);
    if (page.next === 0) return out;
    if (page.items.length === 0 || page.next >>> 0 <= cursor >>> 0) {
      throw new SlipwayError(
        'PROTOCOL',
        `${what}: the dataplane returned a page of ${page.items.length} entries with next cursor ${page.next} after cursor ${cursor} (a cursor must advance)`,
      );
    }
    cursor = page.next;
  }
}

/** The family filter of a listing: 4, 6, or 0 for both. */
export function familyFilter(opts: { family?: Family } | undefined, what: string): number {
  const f = opts?.family ?? 0;
  check(f === 0 || f === 4 || f === 6, `bad ${what} family ${JSON.stringify(f)}: expected 4 or 6`);
  return f;
}
