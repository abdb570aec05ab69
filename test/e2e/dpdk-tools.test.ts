/*
 * DPDK's own tools against slipwayd.
 *
 * With --dpdk-tools (launch({dpdkTools: true})) slipwayd keeps EAL's shared
 * configuration and serves pdump: dpdk-proc-info reads the ports' device
 * counters slipway reports, and dpdk-dumpcap captures a cross-connected
 * ping (requests received on port 0, replies sent on it), its counts equal
 * to the pdump counters slipway's telemetry shows, which stop once the
 * capture ended. dpdk-telemetry.py lists slipway's commands and answers them
 * with what stats(), rules.list() and the policer say, with or without
 * --dpdk-tools. A stop leaves no hugepage file and no runtime directory,
 * also when a capture is still attached, and the mempool was full at exit.
 *
 * dpdk-dumpcap (22.11) takes no EAL options, so it cannot be given --no-pci;
 * it runs in a mount namespace of its own where /sys/bus/pci/devices is
 * empty, so it never sees the machine's NIC.
 */
import test, { type ExecutionContext } from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PortStats, Slipway } from '../../ts-api/src/index';
import {
  assertForwards,
  defaultLogFile,
  e2eSuite,
  hugepageFiles,
  logTail,
  pidAlive,
  portStats,
  startDataplane,
  stopDataplane,
} from './harness';
import {
  exited,
  hugepagesFree,
  hugepagesTotal,
  ping,
  pingInBackground,
  run,
  sleep,
  spawnCollecting,
  waitFor,
} from './netns';

const s = e2eSuite(test, {
  name: 'tools',
  vifPrefix: 'dtl',
  noDaemon: true,
  addrsA: ['10.29.0.2/24'],
  addrsB: ['10.29.0.3/24'],
});
const A = '10.29.0.2';
const B = '10.29.0.3';
const HOST = '10.29.0.1'; // on vEth0: the exception path
const prefix = () => `slipway-${s.instance}`;
const runtimeDir = () => `/var/run/dpdk/${prefix()}`;
const dir = mkdtempSync(path.join(tmpdir(), 'slipway-tools-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const COMMANDS = [
  '/slipway/ports',
  '/slipway/l3',
  '/slipway/lcores',
  '/slipway/tables',
  '/slipway/rules',
  '/slipway/policer',
  '/slipway/vif',
];

/** A telemetry answer: free-form JSON. */
type Json = Record<string, any>;

/** Sends each command to slipwayd's telemetry socket through dpdk-telemetry.py; one answer per command. */
async function telemetry(cmds: string[]): Promise<Json[]> {
  const r = await run('sh', ['-c', 'printf "%s\\n" "$@" | dpdk-telemetry.py -f "$0"', prefix(), ...cmds], {
    timeoutMs: 20_000,
  });
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('{'));
  if (lines.length !== cmds.length)
    throw new Error(`dpdk-telemetry.py answered ${lines.length} of ${cmds.length} commands:\n${r.stdout}${r.stderr}`);
  return lines.map((l, i) => {
    const j = JSON.parse(l) as Json;
    const key = cmds[i]!.split(',')[0]!;
    if (!(key in j)) throw new Error(`answer to ${cmds[i]} has no ${key}: ${l}`);
    return j[key] as Json;
  });
}

/** dpdk-dumpcap in a mount namespace where the PCI bus is empty (it takes no --no-pci). */
function dumpcapArgs(args: string[]): [string, string[]] {
  return [
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount -t tmpfs -o ro none /sys/bus/pci/devices && exec dpdk-dumpcap "$@"',
      'dumpcap',
      `--file-prefix=${prefix()}`,
      ...args,
    ],
  ];
}

interface Packet {
  iface: number;
  dir: 'in' | 'out' | '?';
  data: Buffer;
}

/** The packets of a pcapng file: interface, direction (epb_flags) and bytes. */
function readPcapng(file: string): { ifaces: string[]; packets: Packet[] } {
  const b = readFileSync(file);
  const ifaces: string[] = [];
  const packets: Packet[] = [];
  for (let off = 0; off + 12 <= b.length;) {
    const type = b.readUInt32LE(off);
    const len = b.readUInt32LE(off + 4);
    if (len < 12 || off + len > b.length) throw new Error(`${file}: block at ${off} has length ${len}`);
    const body = b.subarray(off + 8, off + len - 4);
    const options = (o: number, fn: (code: number, v: Buffer) => void) => {
      while (o + 4 <= body.length) {
        const code = body.readUInt16LE(o);
        const l = body.readUInt16LE(o + 2);
        if (code === 0) break;
        fn(code, body.subarray(o + 4, o + 4 + l));
        o += 4 + ((l + 3) & ~3);
      }
    };
    if (type === 1) {
      let name = '';
      options(8, (code, v) => {
        if (code === 2) name = v.toString('utf8');
      });
      ifaces.push(name);
    } else if (type === 6) {
      const cap = body.readUInt32LE(12);
      let dir: Packet['dir'] = '?';
      options(20 + ((cap + 3) & ~3), (code, v) => {
        if (code === 2) dir = (['?', 'in', 'out', '?'] as const)[v.readUInt32LE(0) & 3]!;
      });
      packets.push({ iface: body.readUInt32LE(0), dir, data: body.subarray(20, 20 + cap) });
    }
    off += len;
  }
  return { ifaces, packets };
}

/** "echo request A>B" for an untagged IPv4 ICMP echo, else "other". */
function icmpEcho(p: Buffer): string {
  if (p.length < 42 || p.readUInt16BE(12) !== 0x0800 || p[23] !== 1) return 'other';
  const ip = (o: number) => [...p.subarray(o, o + 4)].join('.');
  const kind = p[34] === 8 ? 'echo request' : p[34] === 0 ? 'echo reply' : `icmp ${p[34]}`;
  return `${kind} ${ip(26)}>${ip(30)}`;
}

const bi = (v: unknown) => BigInt(v as number);

/** A counter from telemetry lies between the same counter before and after (equal when nothing moved). */
function bracketed(t: ExecutionContext, what: string, value: unknown, before: bigint, after: bigint): void {
  const v = bi(value);
  t.true(before <= v && v <= after, `${what}: telemetry ${v}, stats() ${before} before and ${after} after`);
}

const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** /slipway/ports (one port) against stats() before and after it. */
function checkPort(t: ExecutionContext, tel: Json, before: PortStats, after: PortStats): void {
  let n = 0;
  for (const [k, v] of Object.entries(tel)) {
    const key = camel(k) as keyof PortStats;
    if (typeof before[key] !== 'bigint') continue;
    bracketed(t, `port ${before.port} ${k}`, v, before[key] as bigint, after[key] as bigint);
    n++;
  }
  t.is(n, 16, `all 16 fast-path counters of port ${before.port} compared: ${JSON.stringify(tel)}`);
  for (const [k, v] of Object.entries(tel.dev as Json)) {
    const key = camel(k) as keyof PortStats['dev'];
    bracketed(t, `port ${before.port} dev.${k}`, v, before.dev[key], after.dev[key]);
  }
}

/** Every telemetry command answers; ports and L3 counters agree with stats(); errors name the problem. */
async function checkTelemetry(t: ExecutionContext, sw: Slipway): Promise<void> {
  const before = await sw.stats({ refresh: true });
  const rulesBefore = await sw.rules.list();
  const [list, ports, l3, port0, vif, lcores, tables, policer, rules, badPort, notPort, noPort] = await telemetry([
    '/',
    '/slipway/ports',
    '/slipway/l3,0',
    '/slipway/ports,0',
    '/slipway/vif,0',
    '/slipway/lcores',
    '/slipway/tables',
    '/slipway/policer,0',
    '/slipway/rules',
    '/slipway/l3,9',
    '/slipway/vif,x',
    '/slipway/l3',
  ]);
  const after = await sw.stats({ refresh: true });
  const rulesAfter = await sw.rules.list();

  for (const c of COMMANDS) t.true((list as unknown as string[]).includes(c), `"/" lists ${c}`);
  t.deepEqual(Object.keys(ports), ['0', '1'], `/slipway/ports has both ports: ${JSON.stringify(ports)}`);
  const names = (await sw.ports.list()).map((p) => [p.name, p.vif]);
  t.deepEqual(
    [0, 1].map((p) => [ports[p].name, ports[p].vif]),
    names,
    'port and vEth names as ports.list() has them',
  );
  for (const p of [0, 1]) checkPort(t, ports[p], portStats(before, p), portStats(after, p));
  checkPort(t, port0, portStats(before, 0), portStats(after, 0));

  const l3Before = portStats(before, 0).l3;
  const l3After = portStats(after, 0).l3;
  t.is(Object.keys(l3).length, Object.keys(l3Before).length, `every L3 counter: ${JSON.stringify(l3)}`);
  for (const [k, v] of Object.entries(l3)) {
    const key = camel(k) as keyof typeof l3Before;
    bracketed(t, `port 0 l3.${k}`, v, l3Before[key], l3After[key]);
  }
  t.true(
    bi(l3.punt_arp) > 0n && bi(l3.punt_no_route) > 0n,
    `the exception-path ping was classified: ${JSON.stringify(l3)}`,
  );
  t.log(
    `/slipway/l3,0: punt_arp ${l3.punt_arp}, punt_no_route ${l3.punt_no_route}; /slipway/ports,0 rx_packets ${port0.rx_packets}, stats() ${portStats(before, 0).rxPackets}..${portStats(after, 0).rxPackets}; rule 5: ${JSON.stringify(rules.rules['5'])}`,
  );

  t.is(vif.name, ports[0].vif, 'the vEth of port 0');
  t.is(vif.ifindex, Number(readFileSync(`/sys/class/net/${vif.name}/ifindex`, 'utf8')), 'its ifindex');
  for (const k of ['punt_packets', 'vif_tx_packets', 'vif_rx_packets', 'inject_packets'] as const) {
    const key = camel(k) as 'puntPackets' | 'vifTxPackets' | 'vifRxPackets' | 'injectPackets';
    bracketed(t, `vif ${k}`, vif[k], portStats(before, 0)[key], portStats(after, 0)[key]);
  }
  t.true(
    bi(vif.punt_packets) > 0n && bi(vif.inject_packets) > 0n,
    `the exception path carried the ping: ${JSON.stringify(vif)}`,
  );

  const workers = Object.values(lcores).filter((l: Json) => l.role === 'worker');
  t.is(Object.values(lcores).length, before.lcores.length, `one entry per lcore: ${JSON.stringify(lcores)}`);
  t.is(workers.length, 1, 'one worker');
  for (const l of before.lcores) {
    const tl = lcores[String(l.lcoreId)] as Json;
    t.is(tl?.role, l.role, `lcore ${l.lcoreId} role`);
    bracketed(
      t,
      `lcore ${l.lcoreId} busy_polls`,
      tl.busy_polls,
      l.busyPolls,
      after.lcores.find((x) => x.lcoreId === l.lcoreId)!.busyPolls,
    );
  }
  t.like(tables, {
    routes4: before.tables.routes4,
    routes6: before.tables.routes6,
    neighbours: before.tables.neighbours,
    nh_groups: before.tables.nhGroups,
    mbuf_total: before.mbufTotal,
  });

  const pol = await sw.policer.get(0);
  for (const c of ['arp', 'icmp', 'host', 'other'] as const) {
    t.is(policer[`${c}_rate_pps`], pol.classes[c].ratePps, `policer ${c} rate`);
    t.is(policer[`${c}_burst`], pol.classes[c].burst, `policer ${c} burst`);
    const key = camel(`police_${c}`) as 'policeArp' | 'policeIcmp' | 'policeHost' | 'policeOther';
    bracketed(t, `policer ${c} drops`, policer[`${c}_drops`], l3Before[key], l3After[key]);
  }

  t.is(rules.listed, rulesBefore.length, `/slipway/rules lists every rule: ${JSON.stringify(rules)}`);
  t.is(rules.next, 0, 'on one page');
  for (const r of rulesBefore) {
    const tr = (rules.rules as Json)[String(r.rule.id)] as Json;
    t.truthy(tr, `rule ${r.rule.id} listed`);
    t.is(tr.priority, r.rule.priority, `rule ${r.rule.id} priority`);
    t.is(tr.action, 'count', `rule ${r.rule.id} action`);
    t.is(tr.match, 'family 4 proto 1', `rule ${r.rule.id} match`);
    const a = rulesAfter.find((x) => x.rule.id === r.rule.id)!;
    bracketed(t, `rule ${r.rule.id} packets`, tr.packets, r.packets, a.packets);
    bracketed(t, `rule ${r.rule.id} bytes`, tr.bytes, r.bytes, a.bytes);
  }

  t.deepEqual(badPort, { error: 'port 9 does not exist' });
  t.deepEqual(notPort, { error: "port 'x': not a port number" });
  t.regex(String(noPort.error), /give a port/);
}

/** A ping from A to the host's address on vEth0 (ARP and ICMP punted, the replies injected) and a count rule for ICMP. */
async function exceptionPath(t: ExecutionContext, sw: Slipway): Promise<void> {
  await run('ip', ['addr', 'replace', `${HOST}/24`, 'dev', s.vif(0)]);
  await run('ip', ['link', 'set', 'dev', s.vif(0), 'up']);
  await sw.rules.add({ id: 5, priority: 10, match: { family: 4, proto: 'icmp' }, action: { type: 'count' } });
  await run('ip', ['-n', s.topo.a.ns, 'neigh', 'flush', 'dev', s.topo.a.peerIf]);
  const r = await ping(s.topo.a.ns, HOST, { count: 5, intervalS: 0.05, waitS: 2, allReplies: true });
  t.is(r.received, 5, `ping ${A} -> ${HOST} on ${s.vif(0)}:\n${r.output}\n${logTail(s.instance)}`);
}

/** Nothing of the instance is left: runtime directory, hugepage files, hugepages in use. */
async function assertNothingLeft(
  t: ExecutionContext,
  pid: number,
  hugeFiles: string[],
  hugeFree: number,
): Promise<void> {
  await waitFor(`slipwayd pid ${pid} to exit`, () => !pidAlive(pid), 15_000);
  t.false(existsSync(runtimeDir()), `${runtimeDir()} removed`);
  t.deepEqual(hugepageFiles(), hugeFiles, 'no hugepage file left behind');
  await waitFor('HugePages_Free back to its value before start', () => hugepagesFree() === hugeFree, 5000).catch(
    () => undefined,
  );
  t.is(hugepagesFree(), hugeFree, 'HugePages_Free is back to its value before start');
  const log = readFileSync(defaultLogFile(s.instance), 'utf8');
  const m = /shutdown: mempool (\S+): (\d+)\/(\d+) mbufs free/.exec(log);
  t.truthy(m, `the log has the mempool shutdown line\n${logTail(s.instance)}`);
  if (m) t.is(m[2], m[3], `mempool ${m[1]}: ${m[2]}/${m[3]} mbufs free at exit`);
  t.notRegex(log, /leaked \d+ mbufs/, 'no mbufs leaked');
  t.regex(
    log,
    /shutdown: removed \/var\/run\/dpdk\/slipway-/,
    `slipwayd says it removed its runtime directory\n${logTail(s.instance)}`,
  );
}

let hugeFiles: string[] = [];
let hugeFree = 0;

test.serial('--dpdk-tools: dpdk-proc-info and dpdk-dumpcap attach and agree with slipway', async (t) => {
  t.true(hugepagesTotal() > 0, 'no hugepages configured (HugePages_Total is 0): run `npm run setup`');
  t.false(existsSync(runtimeDir()), `${runtimeDir()} does not exist yet`);
  hugeFiles = hugepageFiles();
  hugeFree = hugepagesFree();
  const sw = await startDataplane(s, { dpdkTools: true });
  t.true(existsSync(path.join(runtimeDir(), 'config')), 'EAL keeps its shared configuration (no --in-memory)');
  t.true(
    hugepageFiles().some((f) => path.basename(f).startsWith(`${prefix()}map_`)),
    'hugepage files carry the instance prefix',
  );
  await sw.xconnects.add(0, 1);
  await sw.xconnects.add(1, 0);
  await assertForwards(t, s, 'cross-connected');

  // dumpcap lists slipway's ports by their ethdev names
  const [dc, dcArgs] = dumpcapArgs(['-D']);
  const listed = await run(dc, dcArgs, { allowFail: true });
  t.is(listed.code, 0, `dpdk-dumpcap -D: ${listed.stdout}${listed.stderr}`);
  const names = (await sw.ports.list()).map((p) => p.name);
  t.deepEqual(
    listed.stdout
      .split('\n')
      .map((l) => /^\d+\. (\S+)$/.exec(l)?.[1])
      .filter(Boolean),
    names,
    `dpdk-dumpcap -D lists the ports: ${listed.stdout}`,
  );

  // a capture of 5 packets of port 0 under a ping at 100/s
  let pinged = 0;
  const bg = pingInBackground(s.topo.a.ns, B, 0.01);
  const file = path.join(dir, 'port0.pcapng');
  try {
    await sleep(300);
    const [cmd, args] = dumpcapArgs(['-p', '-q', '-i', names[0]!, '-c', '5', '-w', file]);
    const cap = await run(cmd, args, { allowFail: true, timeoutMs: 30_000 });
    t.is(cap.code, 0, `dpdk-dumpcap -c 5 exited ${cap.code}: ${cap.stdout}${cap.stderr}`);
    const m = /Packets received\/dropped on interface '([^']+)': (\d+)\/(\d+)/.exec(cap.stderr);
    t.truthy(m, `dumpcap reports what it received: ${cap.stderr}`);

    const { ifaces, packets } = readPcapng(file);
    t.log(`dumpcap: ${m?.[0]}; ${packets.length} packets in ${path.basename(file)}`);
    t.deepEqual(ifaces.slice(0, 2), [s.topo.a.hostIf, s.topo.b.hostIf], 'interface blocks name the ports');
    t.true(packets.length >= 5, `at least 5 packets in ${file}: ${packets.length}`);
    const seen = packets.map((p) => `${p.iface} ${p.dir} ${icmpEcho(p.data)}`);
    const want = new Set([`0 in echo request ${A}>${B}`, `0 out echo reply ${B}>${A}`]);
    t.true(
      seen.every((x) => want.has(x)),
      `only A's requests received on port 0 and B's replies sent on it: ${seen.join(', ')}`,
    );
    t.true(seen.includes([...want][0]!) && seen.includes([...want][1]!), `both directions: ${seen.join(', ')}`);

    // the capture's counters are slipway's pdump counters; after it, they stop
    const [p0] = await telemetry(['/slipway/ports,0']);
    const pd = p0!.pdump as Json;
    t.truthy(pd, `/slipway/ports,0 has pdump counters with --dpdk-tools: ${JSON.stringify(p0)}`);
    if (m && pd) {
      t.is(m[1], names[0], 'the interface dumpcap reports');
      t.is(
        bi(pd.accepted) + bi(pd.filtered),
        BigInt(m[2]!),
        `received: dumpcap ${m[2]}, slipway ${JSON.stringify(pd)}`,
      );
      t.is(bi(pd.nombuf) + bi(pd.ringfull), BigInt(m[3]!), `dropped: dumpcap ${m[3]}, slipway ${JSON.stringify(pd)}`);
      t.true(bi(pd.accepted) >= BigInt(packets.length), `accepted ${pd.accepted} >= ${packets.length} written`);
    }
    const rx0 = portStats(await sw.stats(), 0).rxPackets;
    await sleep(500);
    const [p1] = await telemetry(['/slipway/ports,0']);
    const rx1 = portStats(await sw.stats(), 0).rxPackets;
    t.true(rx1 - rx0 >= 20n, `the ping kept going through port 0 (${rx1 - rx0} packets in 0.5 s)`);
    t.deepEqual(p1!.pdump, pd, 'no capture callback ran once the capture ended');
    t.log(`pdump counters of port 0: ${JSON.stringify(pd)}; port 0 received ${rx1 - rx0} more packets after`);
  } finally {
    const r = await bg.stop();
    pinged = r.received;
    t.true(r.received > 0 && r.lossPct < 5, `background ping: ${r.transmitted} sent, ${r.received} received`);
  }

  // dpdk-proc-info --stats: the device counters slipway reports
  await sleep(200);
  const before = await sw.stats({ refresh: true });
  const info = await run('dpdk-proc-info', [`--file-prefix=${prefix()}`, '--no-pci', '--', '--stats'], {
    allowFail: true,
  });
  const after = await sw.stats({ refresh: true });
  t.is(info.code, 0, `dpdk-proc-info --stats exited ${info.code}: ${info.stdout}${info.stderr}`);
  const sections = info.stdout.split(/NIC statistics for port /).slice(1);
  t.is(sections.length, 2, `proc-info shows two ports:\n${info.stdout}`);
  for (const sec of sections) {
    const port = Number(/^(\d+)/.exec(sec)![1]);
    const num = (re: RegExp) => BigInt(re.exec(sec)![1]!);
    const b = portStats(before, port).dev;
    const a = portStats(after, port).dev;
    bracketed(t, `proc-info port ${port} RX-packets`, num(/RX-packets:\s+(\d+)/), b.ipackets, a.ipackets);
    bracketed(t, `proc-info port ${port} RX-bytes`, num(/RX-bytes:\s+(\d+)/), b.ibytes, a.ibytes);
    bracketed(t, `proc-info port ${port} TX-packets`, num(/TX-packets:\s+(\d+)/), b.opackets, a.opackets);
    bracketed(t, `proc-info port ${port} TX-bytes`, num(/TX-bytes:\s+(\d+)/), b.obytes, a.obytes);
    // every echo answered crossed port 0 as a request and port 1 as a reply
    t.true(b.ipackets >= BigInt(pinged), `port ${port} received the ${pinged} answered pings (${b.ipackets})`);
    t.log(
      `proc-info port ${port}: ${/RX-packets:.*/.exec(sec)![0].replace(/\s+/g, ' ')}; stats() dev.ipackets ${b.ipackets}`,
    );
  }
});

test.serial('--dpdk-tools: dpdk-telemetry.py answers slipway commands as stats() does', async (t) => {
  const sw = s.sw!;
  await sw.xconnects.remove(0);
  await sw.xconnects.remove(1);
  await exceptionPath(t, sw);
  await checkTelemetry(t, sw);
});

test.serial('--dpdk-tools: a stop with a capture attached leaves nothing behind', async (t) => {
  const sw = s.sw!;
  const pid = s.pid;
  const file = path.join(dir, 'attached.pcapng');
  const [cmd, args] = dumpcapArgs(['-p', '-q', '-i', '0', '-w', file]);
  const dumpcap = spawnCollecting(cmd, args);
  const bg = pingInBackground(s.topo.a.ns, HOST, 0.01);
  try {
    await waitFor(
      'the capture to copy packets',
      async () => bi(((await telemetry(['/slipway/ports,0']))[0]!.pdump as Json).accepted) > 0n,
      10_000,
      200,
    );
    await sw.shutdown({ timeoutMs: 15_000 });
    s.sw = undefined;
    const end = await Promise.race([exited(dumpcap.child), sleep(10_000).then(() => null)]);
    t.not(end, null, `dumpcap ends when slipwayd is gone:\n${dumpcap.output()}`);
    t.regex(dumpcap.output(), /Primary process is no longer active/, 'dumpcap saw slipwayd go');
  } finally {
    await bg.stop();
    if (dumpcap.child.exitCode === null) dumpcap.child.kill('SIGKILL');
  }
  await assertNothingLeft(t, pid, hugeFiles, hugeFree);
  s.pid = 0;
});

test.serial('without --dpdk-tools: in-memory, telemetry still answers, nothing left behind', async (t) => {
  hugeFiles = hugepageFiles();
  hugeFree = hugepagesFree();
  const sw = await startDataplane(s);
  t.false(existsSync(path.join(runtimeDir(), 'config')), 'no shared configuration (--in-memory)');
  const info = await run('dpdk-proc-info', [`--file-prefix=${prefix()}`, '--no-pci', '--', '--stats'], {
    allowFail: true,
  });
  t.not(info.code, 0, `dpdk-proc-info cannot attach to an in-memory slipwayd: ${info.stdout}${info.stderr}`);
  await exceptionPath(t, sw);
  await checkTelemetry(t, sw);
  const pid = s.pid;
  const problems = await stopDataplane(s);
  t.deepEqual(problems, [], 'a clean stop');
  await assertNothingLeft(t, pid, hugeFiles, hugeFree);
  s.pid = 0;
});
