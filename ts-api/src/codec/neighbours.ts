/**
 * The neighbour table: the value types and their encoding to and from
 * sw_neigh (NEIGH_ADD, NEIGH_DEL, NEIGH_LIST pages), and the batch source.
 */
import { NeighMsg, NeighbourOps } from '../wire/abi/neighbours';
import { PackedSource } from '../wire/batch';
import { need, viewOf } from '../wire/bytes';
import { check } from '../errors';
import { type ListPage, checkPort, decodePage, encodePage, formatMac, isMac, parseMac } from './common';
import { formatIp, parseIpInto } from './ip';
import { type Origin, decodeOrigin, originCode } from './routes';

/** A neighbour: IP -> MAC on a port (resolves next hops; installs a host route). */
export interface Neighbour {
  port: number;
  /** IPv4 or IPv6 unicast address. */
  ip: string;
  /** "aa:bb:cc:dd:ee:ff" */
  mac: string;
  /**
   * Who installed it ('api', or 'kernel-neighbour' for kernel sync), in
   * listings of an ABI v3 dataplane; ignored in requests.
   */
  origin?: Origin;
}

/** A neighbour key for removal. */
export interface NeighbourRef {
  port: number;
  ip: string;
}

const json = (x: unknown) => JSON.stringify(x);

/** Neighbours (add) or neighbour keys (del), validated and encoded. */
export class NeighSource extends PackedSource {
  constructor(items: readonly (Neighbour | NeighbourRef)[], del: boolean, single = false) {
    check(Array.isArray(items), `bad neighbours ${typeof items}: expected an array`);
    const n = items.length;
    super(
      n,
      del ? `neighbour remove of ${n} entries` : `neighbour add of ${n} entries`,
      del ? NeighbourOps.NEIGH_DEL : NeighbourOps.NEIGH_ADD,
      NeighMsg.SIZE,
    );
    const v = viewOf(this.buf);
    for (let i = 0; i < n; i++) {
      const tag = single ? 'neighbour' : `neighbour #${i}`;
      const x = items[i];
      check(x !== null && typeof x === 'object', `bad ${tag} ${json(x)}: expected {port, ip${del ? '' : ', mac'}}`);
      const off = i * NeighMsg.SIZE;
      checkPort(x.port, `${tag} port`);
      const family = parseIpInto(x.ip, this.buf, off + NeighMsg.ip, `${tag} ip`);
      v.setUint16(off + NeighMsg.port, x.port, true);
      v.setUint8(off + NeighMsg.family, family);
      if (!del) {
        const mac = (x as Neighbour).mac;
        check(isMac(mac), `bad ${tag} ${x.ip} mac ${json(mac)}: expected aa:bb:cc:dd:ee:ff`);
        this.buf.set(parseMac(mac), off + NeighMsg.mac);
      }
    }
  }

  /** Item `i` in canonical form (the replay record). */
  item(i: number): Neighbour {
    return decodeNeighbour(viewOf(this.buf), i * NeighMsg.SIZE);
  }

  /** Writes item `i` with an origin (listings: tests and fake dataplanes). */
  writeListed(i: number, origin: Origin | undefined, v: DataView, b: Uint8Array, off: number): void {
    this.write(i, v, b, off);
    v.setUint8(off + NeighMsg.origin, originCode(origin));
  }
}

/** sw_neigh payload of NEIGH_ADD. */
export function encodeNeighbour(n: Neighbour): Uint8Array {
  return new NeighSource([n], false, true).encode();
}

/** sw_neigh payload of NEIGH_DEL (mac zero). */
export function encodeNeighbourDel(n: NeighbourRef): Uint8Array {
  return new NeighSource([n], true, true).encode();
}

/** Reads a sw_neigh at `off`. */
export function decodeNeighbour(v: DataView, off = 0): Neighbour {
  const family = v.getUint8(off + NeighMsg.family);
  const b = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const n: Neighbour = {
    port: v.getUint16(off + NeighMsg.port, true),
    ip: formatIp(family, b, off + NeighMsg.ip),
    mac: formatMac(v, off + NeighMsg.mac),
  };
  const origin = decodeOrigin(v.getUint8(off + NeighMsg.origin), `neighbour ${n.ip}`);
  if (origin !== undefined) n.origin = origin;
  return n;
}

/** Parses one sw_neigh payload. */
export function decodeNeighbourPayload(b: Uint8Array): Neighbour {
  need(b, NeighMsg.SIZE, 'neighbour');
  return decodeNeighbour(viewOf(b), 0);
}

/** Parses a NEIGH_LIST response page. */
export function decodeNeighbourList(b: Uint8Array): ListPage<Neighbour> {
  return decodePage(b, NeighMsg.SIZE, 'neighbour list', decodeNeighbour);
}

/** NEIGH_LIST response payload (tests and fake dataplanes); an item's origin is written when given. */
export function encodeNeighbourList(page: ListPage<Neighbour>): Uint8Array {
  const src = new NeighSource(page.items, false);
  return encodePage({ items: page.items.map((_, i) => i), next: page.next }, NeighMsg.SIZE, (v, b, off, i) =>
    src.writeListed(i, page.items[i].origin, v, b, off),
  );
}
