/*
 * A router you can trust with hostile traffic (RFC 1812, RFC 8200, RFC
 * 4291): frames crafted on A, addressed to port 0's MAC, with routes that
 * would carry them to B (a default route in both families), are not
 * forwarded when a router must not forward them; each reason has its own
 * counter. No proto/port rule is bypassed by IPv6 extension headers. A
 * routed packet too big for its output port goes to the kernel, which
 * answers with ICMP fragmentation needed / packet too big, so path-MTU
 * discovery works across ports of different MTUs.
 */
import test from 'ava';
import { controller, e2eSuite, logTail } from './harness';
import { A4, B4, B6, assertL3, l3delta, l3moved, sendraw, setUpL3, type L3Counter, type L3Env } from './l3';
import { capture, ping, run, sleep } from './netns';

const s = e2eSuite(test, { name: 'hostile', vifPrefix: 'hsv', addrsA: [`${A4}/24`], addrsB: [`${B4}/24`] });
let env: L3Env;
const N = 5;
const rulePrefs = [32_001, 32_002, 32_003, 32_004];

test.serial.before(async () => {
  const sw = await controller(s);
  env = await setUpL3(s, sw);
  // routes that would forward every hostile frame to B
  (
    await sw.routes.addMany([
      { prefix: '0.0.0.0/0', via: [{ port: 1, gw: B4 }] },
      { prefix: '::/0', via: [{ port: 1, gw: B6 }] },
    ])
  ).throwIfFailed();
  await ping(s.topo.a.ns, B4, { count: 2, waitS: 2 });
  await ping(s.topo.b.ns, A4, { count: 1, waitS: 2 });
});

test.after.always(async () => {
  for (const pref of rulePrefs) {
    await run('ip', ['rule', 'del', 'pref', String(pref)], { allowFail: true });
    await run('ip', ['-6', 'rule', 'del', 'pref', String(pref)], { allowFail: true });
  }
});

/** Sends N frames of kind from A; returns the L3 counters' movement on port 0 and what B and vEth0 received. */
async function send(kind: string, filterB: string[] = ['udp', 'port', '5678']) {
  const sw = await controller(s);
  const before = await sw.stats();
  const capB = await capture(s.topo.b.peerIf, { netns: s.topo.b.ns, filter: ['-Q', 'in', ...filterB] });
  const capV = await capture(s.vif(0), { filter: filterB });
  await sendraw(s.topo.a.ns, s.topo.a.peerIf, env.portMac[0], kind, N);
  await sleep(300);
  const onB = await capB.stop();
  const onVeth = await capV.stop();
  return { before, after: await sw.stats(), onB, onVeth };
}

test.serial('control: well-formed frames of the same flows are routed to B in both families', async (t) => {
  for (const kind of ['good4', 'good6']) {
    const r = await send(kind);
    assertL3(t, s, r.before, r.after, 0, 'routedPackets', N);
    t.is(r.onB.length, N, `${kind} on B:\n${r.onB.join('\n')}`);
  }
});

const dropped: Array<[string, L3Counter]> = [
  ['badcksum4', 'dropBadCksum'],
  ['mcsrcmac4', 'dropSrcMac'],
  ['martsrc4_255', 'dropMartianSrc'],
  ['martsrc4_127', 'dropMartianSrc'],
  ['martsrc4_0', 'dropMartianSrc'],
  ['martsrc4_mc', 'dropMartianSrc'],
  ['martdst4_127', 'dropMartianDst'],
  ['martdst4_0', 'dropMartianDst'],
  ['martdst4_e', 'dropMartianDst'],
  ['llsrc4', 'dropLinkLocal'],
  ['martsrc6_mc', 'dropMartianSrc'],
  ['martsrc6_lo', 'dropMartianSrc'],
  ['martsrc6_un', 'dropMartianSrc'],
  ['martdst6_lo', 'dropMartianDst'],
  ['llsrc6', 'dropLinkLocal'],
  ['ext6_long', 'dropExtHdr'],
  ['ext6_trunc', 'dropExtHdr'],
];

for (const [kind, counter] of dropped) {
  test.serial(`${kind}: ${N} frames counted in ${counter}, none forwarded`, async (t) => {
    const r = await send(kind);
    assertL3(t, s, r.before, r.after, 0, counter, N);
    assertL3(t, s, r.before, r.after, 0, 'routedPackets', 0);
    t.deepEqual(r.onB, [], `B received:\n${r.onB.join('\n')}`);
    t.deepEqual(r.onVeth, [], `vEth0 received:\n${r.onVeth.join('\n')}`);
  });
}

test.serial('hbh6: IPv6 hop-by-hop options go to the kernel (counted in puntHopByHop), not to B', async (t) => {
  const r = await send('hbh6', ['ip6', 'and', 'not', 'icmp6']);
  assertL3(t, s, r.before, r.after, 0, 'puntHopByHop', N);
  assertL3(t, s, r.before, r.after, 0, 'routedPackets', 0);
  t.deepEqual(r.onB, [], `B received:\n${r.onB.join('\n')}`);
  t.is(r.onVeth.length, N, `vEth0 received:\n${r.onVeth.join('\n')}`);
});

test.serial(
  'a rule on IPv6 proto tcp dport 22 is not bypassed by destination options, a fragment header or hop-by-hop options',
  async (t) => {
    const sw = await controller(s);
    const id = 900;
    await sw.rules.add({ id, priority: 100, match: { family: 6, proto: 'tcp', dport: 22 }, action: { type: 'drop' } });
    const kinds = ['tcp22_6', 'tcp22_6_dopt', 'tcp22_6_frag', 'tcp22_6_hbh'];
    for (const kind of kinds) {
      const r = await send(kind, ['tcp', 'port', '22']);
      assertL3(t, s, r.before, r.after, 0, 'ruleDrops', N);
      t.deepEqual(r.onB, [], `${kind} reached B:\n${r.onB.join('\n')}`);
    }
    const entry = (await sw.rules.list()).find((e) => e.rule.id === id);
    await sw.rules.remove(id);
    t.is(entry?.packets, BigInt(N * kinds.length), 'the rule counted every variant');
  },
);

/* Forwarding on the vEths only, and policy rules that keep what the kernel
 * forwards off the host's default route (as in lcp.test.ts). */
async function kernelForwards(on: boolean): Promise<void> {
  for (const [i, vif] of [s.vif(0), s.vif(1)].entries()) {
    await run('sysctl', ['-qw', `net.ipv4.conf.${vif}.forwarding=${on ? 1 : 0}`]);
    await run('sysctl', ['-qw', `net.ipv6.conf.${vif}.force_forwarding=${on ? 1 : 0}`]);
    for (const fam of ['-4', '-6']) {
      const [lookup, unreachable] = [rulePrefs[2 * i]!, rulePrefs[2 * i + 1]!];
      if (on) {
        await run('ip', [
          fam,
          'rule',
          'add',
          'pref',
          String(lookup),
          'iif',
          vif,
          'lookup',
          'main',
          'suppress_prefixlength',
          '0',
        ]);
        await run('ip', [fam, 'rule', 'add', 'pref', String(unreachable), 'iif', vif, 'unreachable']);
      } else {
        await run('ip', [fam, 'rule', 'del', 'pref', String(lookup)], { allowFail: true });
        await run('ip', [fam, 'rule', 'del', 'pref', String(unreachable)], { allowFail: true });
      }
    }
  }
}

test.serial(
  'a routed packet larger than the output port MTU goes to the kernel: ICMP fragmentation needed / packet too big reaches A, and the kernel fragments without DF',
  async (t) => {
    const sw = await controller(s);
    await kernelForwards(true);
    try {
      // the link to B is a 1280-byte link on both ends (port 1 sets its veth's MTU)
      await sw.ports.set(1, { mtu: 1280 });
      await run('ip', ['-n', s.topo.b.ns, 'link', 'set', 'dev', s.topo.b.peerIf, 'mtu', '1280']);
      const before = await sw.stats();
      const df4 = await ping(s.topo.a.ns, B4, {
        count: 2,
        intervalS: 0.2,
        waitS: 2,
        extra: ['-M', 'do', '-s', '1400'],
      });
      const frag4 = await ping(s.topo.a.ns, B4, {
        count: 3,
        intervalS: 0.2,
        waitS: 2,
        extra: ['-M', 'dont', '-s', '1400'],
      });
      const big6 = await ping(s.topo.a.ns, B6, { count: 2, intervalS: 0.2, waitS: 2, extra: ['-s', '1400'] });
      const after = await sw.stats();
      const moved = l3moved(before, after, 0);
      t.regex(
        df4.output,
        /mtu = 1280/,
        `IPv4 with DF: no fragmentation-needed from the host (${moved}):\n${df4.output}\n${logTail(s.instance, 10)}`,
      );
      t.is(frag4.received, 3, `IPv4 without DF: the kernel fragments on the way to B (${moved}):\n${frag4.output}`);
      t.regex(
        big6.output,
        /[Pp]acket too big|mtu=1280|mtu = 1280/,
        `IPv6: no packet-too-big from the host (${moved}):\n${big6.output}`,
      );
      // at least the first too-big packet of each family (A then knows the path MTU)
      t.true(l3delta(before, after, 0, 'puntMtu') >= 2, `punted for the MTU: ${moved}`);
      // the path MTU is known now: A's own stack sends what fits, routed by the fast path
      const fits = await ping(s.topo.a.ns, B6, { count: 3, intervalS: 0.2, waitS: 2, extra: ['-s', '1400'] });
      t.is(fits.received, 3, `IPv6 after packet too big: A fragments to the path MTU:\n${fits.output}`);
    } finally {
      await run('ip', ['-n', s.topo.b.ns, 'link', 'set', 'dev', s.topo.b.peerIf, 'mtu', '1500']);
      await sw.ports.set(1, { mtu: 1500 });
      await kernelForwards(false);
    }
  },
);
