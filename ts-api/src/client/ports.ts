/** sw.ports: list, add, start, stop and configure ports; their replay step. */
import { PortOps } from '../wire/abi/ports';
import {
  type PortInfo,
  type PortSettings,
  decodeDevargs,
  decodePortInfoPayload,
  decodePortList,
  encodeDevargs,
  encodePortRef,
  encodePortSet,
} from '../codec/ports';
import { SlipwayError, check } from '../errors';
import { Namespace } from './namespace';
import type { CallOptions } from './options';
import type { ReplayContext } from './replay';

/** Port operations. Port indexes are validated (integer 0..15) before sending. */
export class Ports extends Namespace {
  /** All ports, in index order. */
  readonly list = async (opts?: CallOptions): Promise<PortInfo[]> =>
    decodePortList(await this.rq.call(PortOps.PORT_LIST, undefined, opts));

  /** One port. */
  readonly get = async (port: number, opts?: CallOptions): Promise<PortInfo> =>
    decodePortInfoPayload(await this.rq.call(PortOps.PORT_GET, encodePortRef(port), opts));

  /** The devargs port `port` was added with (on slipwayd's command line or by add()). */
  readonly devargs = async (port: number, opts?: CallOptions): Promise<string> =>
    decodeDevargs(await this.rq.call(PortOps.PORT_DEVARGS, encodePortRef(port), opts));

  /** Adds a port from ethdev devargs (e.g. "net_null0" or "net_af_packet0,iface=veth0"); it gets the next index. */
  readonly add = async (devargs: string, opts?: CallOptions): Promise<PortInfo> => {
    const info = decodePortInfoPayload(await this.rq.call(PortOps.PORT_ADD, encodeDevargs(devargs), opts));
    this.desired?.portAdded(info.port, devargs);
    return info;
  };

  /** Starts a port (its rx queue gets a worker lcore). */
  readonly start = async (port: number, opts?: CallOptions): Promise<PortInfo> => {
    const info = decodePortInfoPayload(await this.rq.call(PortOps.PORT_START, encodePortRef(port), opts));
    this.desired?.portState(port, true);
    return info;
  };

  /** Stops a port. */
  readonly stop = async (port: number, opts?: CallOptions): Promise<PortInfo> => {
    const info = decodePortInfoPayload(await this.rq.call(PortOps.PORT_STOP, encodePortRef(port), opts));
    this.desired?.portState(port, false);
    return info;
  };

  /** Changes MTU, MAC ("aa:bb:cc:dd:ee:ff") and/or promiscuous mode; at least one must be given. */
  readonly set = async (port: number, s: PortSettings, opts?: CallOptions): Promise<PortInfo> => {
    check(s !== null && typeof s === 'object', `bad port settings ${JSON.stringify(s)}: expected an object`);
    check(
      s.mtu !== undefined || s.mac !== undefined || s.promisc !== undefined,
      `port ${port}: nothing to set (give mtu, mac or promisc)`,
    );
    const info = decodePortInfoPayload(await this.rq.call(PortOps.PORT_SET, encodePortSet({ port, ...s }), opts));
    this.desired?.portSet(port, s);
    return info;
  };
}

/**
 * Replay: every desired port exists (present from the command line, or
 * added again by its devargs at the same index), with its settings and run
 * state.
 */
export async function replayPorts(ctx: ReplayContext): Promise<void> {
  const { rq, desired: d, summary } = ctx;
  const present = new Map(decodePortList(await rq.call(PortOps.PORT_LIST)).map((p) => [p.port, p]));
  for (const [index, want] of [...d.ports].sort((x, y) => x[0] - y[0])) {
    let info = present.get(index);
    if (info) {
      summary.portsPresent++;
    } else if (want.devargs !== undefined) {
      try {
        info = decodePortInfoPayload(await rq.call(PortOps.PORT_ADD, encodeDevargs(want.devargs)));
        summary.portsAdded++;
        if (info.port !== index)
          ctx.failed(
            `port ${index} (${want.devargs})`,
            new SlipwayError('REPLAY_FAILED', `port ${index}: re-added as port ${info.port}`),
          );
      } catch (e) {
        ctx.failed(`port ${index}: add ${want.devargs}`, e);
        continue;
      }
    } else {
      ctx.failed(
        `port ${index}`,
        new SlipwayError('REPLAY_FAILED', `port ${index} does not exist and its devargs are unknown`),
      );
      continue;
    }
    let configured = false;
    const s = want.settings;
    if (s.mtu !== undefined || s.mac !== undefined || s.promisc !== undefined) {
      const r = await ctx.one(
        `port ${index}: set ${JSON.stringify(s)}`,
        PortOps.PORT_SET,
        encodePortSet({ port: index, ...s }),
      );
      if (r) {
        info = decodePortInfoPayload(r);
        configured = true;
      }
    }
    if (want.started !== undefined && info.started !== want.started) {
      const r = await ctx.one(
        `port ${index}: ${want.started ? 'start' : 'stop'}`,
        want.started ? PortOps.PORT_START : PortOps.PORT_STOP,
        encodePortRef(index),
      );
      if (r) configured = true;
    }
    if (configured) summary.portsConfigured++;
  }
}
