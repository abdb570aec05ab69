/*
 * slipctl capture [--port P] [--point rx|tx|punt|inject|drop|all] [--snaplen N]
 *                 [-c COUNT] [--duration S] [-w FILE|-] [--buffer-size KIB] [FILTER]
 *
 * Packets where the fast path hands them on, filtered by a tcpdump
 * expression slipwayd runs per packet; as pcapng (-w FILE, -w - to stdout:
 * `slipctl capture -w - tcp port 80 | tcpdump -r -`) or one line each. The
 * summary goes to stderr.
 */
import * as fs from 'node:fs';
import { Command, Option } from 'commander';
import {
  EPB_INBOUND,
  EPB_OUTBOUND,
  PcapngWriter,
  TAP_POINT_NAMES,
  type Capture,
  type CapturedPacket,
  type PortInfo,
  type TapPointName,
} from '../../index';
import { globals, interrupted, withSlipway } from '../context';
import { UsageError } from '../errors';
import { print, toJson } from '../output';
import { parseIntArg, parsePort, parseSeconds } from '../parse';
import { clockNs, frameSummary } from './packet-text';

interface CaptureCliOptions {
  port?: number;
  point: string[];
  snaplen: number;
  count?: number;
  duration?: number;
  write?: string;
  bufferSize?: number;
}

function points(words: string[]): TapPointName[] {
  const out = new Set<TapPointName>();
  for (const w of words.flatMap((x) => x.split(','))) {
    if (w === 'all') TAP_POINT_NAMES.forEach((p) => out.add(p));
    else if ((TAP_POINT_NAMES as readonly string[]).includes(w)) out.add(w as TapPointName);
    else throw new UsageError(`point "${w}": expected rx, tx, punt, inject, drop or all`);
  }
  return out.size ? [...out] : ['rx'];
}

/** Where the packets go: pcapng to a file or stdout, or a line each. */
interface Sink {
  packet(p: CapturedPacket): void;
  end(c: Capture): void;
}

function direction(p: CapturedPacket): number {
  if (p.point === 'tx' || p.point === 'inject' || p.reason === 'txFull') return EPB_OUTBOUND;
  return EPB_INBOUND;
}

function pcapngSink(target: string, ports: PortInfo[], pts: TapPointName[], instance: string, c: Capture): Sink {
  const fd = target === '-' ? 1 : fs.openSync(target, 'w', 0o644);
  const w = new PcapngWriter();
  const ids = new Map<string, number>();
  const put = (b: Uint8Array) => fs.writeSync(fd, b);
  put(w.header(`slipway slipctl capture (${instance})`));
  for (const port of ports) {
    for (const point of pts) {
      const i = w.addInterface({
        name: `${port.name}:${point}`,
        description: `slipway ${instance} port ${port.port} (${port.vif}) at ${point}`,
        snaplen: c.info.snaplen,
        filter: c.info.filter || undefined,
      });
      ids.set(`${port.port}/${point}`, i.id);
      put(i.bytes);
    }
  }
  return {
    packet(p) {
      const id = ids.get(`${p.port}/${p.point}`);
      if (id === undefined) return;
      put(
        w.packet(id, {
          timeNs: p.timeNs,
          data: p.data,
          origLen: p.origLen,
          direction: direction(p),
          queue: p.queue,
          comment: p.reason === null ? undefined : `${p.point} ${p.reason}`,
        }),
      );
    },
    end(cap) {
      const now = BigInt(Date.now()) * 1_000_000n;
      const st = cap.stats();
      for (const [key, id] of ids) {
        const [port, point] = key.split('/');
        const k = st.points.find((x) => x.port === Number(port) && x.point === point);
        put(
          w.stats(id, {
            timeNs: now,
            ifRecv: k?.seen ?? 0n,
            filterAccept: k?.matched ?? 0n,
            osDrop: k?.lost ?? 0n,
          }),
        );
      }
      if (fd !== 1) fs.closeSync(fd);
    },
  };
}

function textSink(json: boolean): Sink {
  return {
    packet(p) {
      if (json) {
        process.stdout.write(
          toJson({
            time: new Date(Number(p.timeNs / 1_000_000n)).toISOString(),
            timeNs: p.timeNs,
            port: p.port,
            point: p.point,
            reason: p.reason,
            queue: p.queue,
            lcore: p.lcore,
            length: p.origLen,
            captured: p.data.length,
            summary: frameSummary(p.data),
            data: Buffer.from(p.data).toString('hex'),
          }) + '\n',
        );
        return;
      }
      const why = p.reason === null ? '' : ` (${p.reason})`;
      print(`${clockNs(p.timeNs)} port ${p.port} ${p.point}${why} ${p.origLen}: ${frameSummary(p.data)}`);
    },
    end() {},
  };
}

function summary(c: Capture, written: number): string {
  const st = c.stats();
  const lines = [`capture ${c.id}: ${written} packets written, ${st.lost} lost on the capture rings (reader too slow)`];
  for (const k of st.points) {
    lines.push(`  port ${k.port} ${k.point}: ${k.seen} seen, ${k.matched} taken by the filter, ${k.lost} lost`);
  }
  if (c.endReason !== null && c.endReason !== 'stopped') lines.push(`  ended by slipwayd: ${c.endReason}`);
  return lines.join('\n') + '\n';
}

export function captureCommand(): Command {
  return new Command('capture')
    .description(
      'capture packets where the fast path hands them on (rx, tx, punt, inject, drop), filtered by a tcpdump expression; pcapng with -w',
    )
    .argument('[filter...]', 'tcpdump filter expression (libpcap syntax), e.g. tcp port 80')
    .option('--port <port>', 'one port (default: every port)', parsePort)
    .addOption(
      new Option('--point <point>', 'rx, tx, punt, inject, drop or all; repeatable or comma-separated (default rx)')
        .argParser((v: string, prev: string[]) => [...prev, v])
        .default([]),
    )
    .option('--snaplen <bytes>', 'bytes kept per packet', parseIntArg(1, 65535), 65535)
    .option('-c, --count <n>', 'stop after n packets', parseIntArg(1, 0xffffffff))
    .option('--duration <seconds>', 'stop after this long', parseSeconds)
    .option('-w, --write <file>', 'write pcapng to file ("-": stdout)')
    .option(
      '--buffer-size <KiB>',
      "each worker's capture ring (power of two, 64..65536 KiB; default 4096)",
      parseIntArg(64, 65536),
    )
    .action(async (filterWords: string[], o: CaptureCliOptions, cmd: Command) => {
      const g = globals(cmd);
      const pts = points(o.point);
      const ringBytes = o.bufferSize === undefined ? undefined : o.bufferSize * 1024;
      if (ringBytes !== undefined && (ringBytes & (ringBytes - 1)) !== 0) {
        throw new UsageError(`--buffer-size ${o.bufferSize}: expected a power of two`);
      }
      await withSlipway(g, async (sw) => {
        const ports = (await sw.ports.list()).filter((p) => o.port === undefined || p.port === o.port);
        if (ports.length === 0)
          throw new UsageError(o.port === undefined ? 'no ports to capture on' : `no port ${o.port}`);
        const c = await sw.taps.capture({
          port: o.port,
          points: pts,
          snaplen: o.snaplen,
          count: o.count,
          filter: filterWords.join(' ') || undefined,
          ringBytes,
        });
        const sink = o.write !== undefined ? pcapngSink(o.write, ports, pts, g.instance, c) : textSink(g.json);
        const stop = interrupted();
        const abort = new AbortController();
        void stop.promise.then(() => abort.abort());
        const timer = o.duration === undefined ? undefined : setTimeout(() => abort.abort(), o.duration * 1000);
        if (o.write !== '-' && !g.json) {
          process.stderr.write(
            `slipctl: capture ${c.id} on ${o.port === undefined ? 'every port' : `port ${o.port}`} at ${pts.join(', ')}` +
              `${c.info.filter ? `, filter '${c.info.filter}' (${c.info.jit ? 'JIT' : 'interpreted'})` : ''}; Ctrl-C to stop\n`,
          );
        }
        let written = 0;
        try {
          for await (const p of c.packets({ signal: abort.signal })) {
            sink.packet(p);
            written++;
            if (o.count !== undefined && written >= o.count) break;
          }
          await c.stop();
          // what the workers wrote until the stop took effect
          if (o.count === undefined || written < o.count) {
            for (const p of c.poll(Number.MAX_SAFE_INTEGER)) {
              if (o.count !== undefined && written >= o.count) break;
              sink.packet(p);
              written++;
            }
          }
        } finally {
          clearTimeout(timer);
          stop.dispose();
          await c.stop();
          sink.end(c);
        }
        process.stderr.write(summary(c, written));
      });
    });
}
