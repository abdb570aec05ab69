/*
 * KNI parity: what the kernel is asked to do with a vEth reaches its port,
 * through `ip link` and through ifconfig; a request the port refuses is
 * undone on the vEth and reported with its reason; every request is an event.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import type { KernelRequestEvent, SlipwayEvent } from '../../ts-api/src/index';
import { assertForwards, controller, e2eSuite } from './harness';
import { run, waitFor } from './netns';

const s = e2eSuite(test, { name: 'kni', vifPrefix: 'kni', addrsA: ['10.17.0.1/24'], addrsB: ['10.17.0.2/24'] });
const seen: SlipwayEvent[] = [];
let stopEvents: (() => Promise<unknown>) | undefined;

/* Collect every event from the first test on (before hooks run concurrently
 * with the suite's own, which launches slipwayd). */
async function collectEvents(): Promise<void> {
  if (stopEvents) return;
  const it = (await controller(s)).events();
  stopEvents = async () => it.return?.();
  void (async () => {
    for await (const ev of it) seen.push(ev);
  })();
}

test.after.always(async () => {
  await stopEvents?.();
});

const vif = () => s.vif(0);
const sysfs = (attr: string) => readFileSync(`/sys/class/net/${vif()}/${attr}`, 'utf8').trim();

async function kernelEvent(
  request: KernelRequestEvent['request'],
  pred: (e: KernelRequestEvent) => boolean = () => true,
): Promise<KernelRequestEvent> {
  return waitFor(
    `a ${request} kernel-request event (seen: ${JSON.stringify(seen.filter((e) => e.type === 'kernel-request'))})`,
    () => seen.find((e): e is KernelRequestEvent => e.type === 'kernel-request' && e.request === request && pred(e)),
    3000,
  ) as Promise<KernelRequestEvent>;
}

test.serial('ip link set mtu reaches the port', async (t) => {
  await collectEvents();
  const sw = await controller(s);
  await run('ip', ['link', 'set', 'dev', vif(), 'mtu', '1400']);
  await waitFor('port 0 MTU 1400', async () => (await sw.ports.get(0)).mtu === 1400, 3000);
  const ev = await kernelEvent('mtu', (e) => e.value === 1400);
  t.true(ev.applied, JSON.stringify(ev));
  t.is(ev.port, 0);
});

test.serial('an MTU the port refuses is undone on the vEth and reported with the reason', async (t) => {
  const sw = await controller(s);
  await run('ip', ['link', 'set', 'dev', vif(), 'mtu', '9000']);
  const ev = await kernelEvent('mtu', (e) => e.value === 9000);
  t.false(ev.applied, JSON.stringify(ev));
  t.regex(ev.reason, /MTU 9000/, `the reason names the request: ${ev.reason}`);
  await waitFor(`${vif()} back to MTU 1400`, () => sysfs('mtu') === '1400', 3000);
  t.is((await sw.ports.get(0)).mtu, 1400, 'the port kept its MTU');
});

test.serial('ip link set address reaches the port', async (t) => {
  const sw = await controller(s);
  await run('ip', ['link', 'set', 'dev', vif(), 'address', '02:11:22:33:44:55']);
  await waitFor(
    'port 0 MAC 02:11:22:33:44:55',
    async () => (await sw.ports.get(0)).mac.toLowerCase() === '02:11:22:33:44:55',
    3000,
  );
  const ev = await kernelEvent('mac');
  t.true(ev.applied && ev.mac === '02:11:22:33:44:55', JSON.stringify(ev));
});

test.serial('ip link set promisc on/off reaches the port', async (t) => {
  const sw = await controller(s);
  await run('ip', ['link', 'set', 'dev', vif(), 'promisc', 'on']);
  await waitFor('port 0 promiscuous', async () => (await sw.ports.get(0)).promisc, 3000);
  await run('ip', ['link', 'set', 'dev', vif(), 'promisc', 'off']);
  await waitFor('port 0 not promiscuous', async () => !(await sw.ports.get(0)).promisc, 3000);
  t.truthy(await kernelEvent('promisc', (e) => e.value === 1 && e.applied));
  t.truthy(await kernelEvent('promisc', (e) => e.value === 0 && e.applied));
});

test.serial('ip link set down/up stops and starts the port, and traffic flows again', async (t) => {
  const sw = await controller(s);
  await sw.xconnects.add(0, 1);
  await sw.xconnects.add(1, 0);
  await assertForwards(t, s, 'before down');
  await run('ip', ['link', 'set', 'dev', vif(), 'down']);
  await waitFor('port 0 stopped', async () => !(await sw.ports.get(0)).started, 3000);
  t.truthy(await kernelEvent('down', (e) => e.applied));
  await run('ip', ['link', 'set', 'dev', vif(), 'up']);
  await waitFor('port 0 started', async () => (await sw.ports.get(0)).started, 3000);
  t.truthy(await kernelEvent('up', (e) => e.applied));
  await waitFor(
    'A to reach B again',
    async () =>
      (await run('ip', ['netns', 'exec', s.topo.a.ns, 'ping', '-c', '1', '-W', '1', '10.17.0.2'], { allowFail: true }))
        .code === 0,
    10_000,
    200,
  );
  await assertForwards(t, s, 'after down/up');
});

test.serial('ifconfig reaches the port too', async (t) => {
  const sw = await controller(s);
  await run('ifconfig', [vif(), 'mtu', '1300']);
  await waitFor('port 0 MTU 1300', async () => (await sw.ports.get(0)).mtu === 1300, 3000);
  t.truthy(await kernelEvent('mtu', (e) => e.value === 1300 && e.applied));
  await run('ifconfig', [vif(), 'down']);
  await waitFor('port 0 stopped', async () => !(await sw.ports.get(0)).started, 3000);
  await run('ifconfig', [vif(), 'up']);
  await waitFor('port 0 started', async () => (await sw.ports.get(0)).started, 3000);
});

test.serial(
  'what the API sets is mirrored onto the vEth and stays: its echo is never taken as a request',
  async (t) => {
    const sw = await controller(s);
    const flags = () => parseInt(sysfs('flags'), 16);
    const IFF_UP = 0x1;
    const IFF_PROMISC = 0x100;
    const requests = () => seen.filter((e) => e.type === 'kernel-request').length;
    await sw.ports.set(0, { mtu: 1450, promisc: true, mac: '02:11:22:33:44:66' });
    await waitFor(
      `${vif()} to show the API's MTU, promisc and MAC`,
      () => sysfs('mtu') === '1450' && (flags() & IFF_PROMISC) !== 0 && sysfs('address') === '02:11:22:33:44:66',
      3000,
    );
    const before = requests();
    // the symptom came back within 10 ms (promisc) and about 1 s (stop)
    await new Promise((r) => setTimeout(r, 1500));
    let p = await sw.ports.get(0);
    t.is(p.mtu, 1450);
    t.true(p.promisc, 'promisc stays on the port');
    t.is(p.mac.toLowerCase(), '02:11:22:33:44:66');
    t.true((flags() & IFF_PROMISC) !== 0 && sysfs('mtu') === '1450', 'and on the vEth');

    await sw.ports.stop(0);
    await waitFor(`${vif()} down with its port`, () => (flags() & IFF_UP) === 0, 3000);
    await new Promise((r) => setTimeout(r, 1500));
    p = await sw.ports.get(0);
    t.false(p.started, 'the port stays stopped (the echo of its vEth going down is not a request)');
    t.is(flags() & IFF_UP, 0, 'and its vEth down');
    t.is(requests(), before, 'no kernel request came of the API changes');

    // the last writer wins: a kernel request after them reaches the port
    await run('ip', ['link', 'set', 'dev', vif(), 'promisc', 'off']);
    await waitFor('port 0 not promiscuous', async () => !(await sw.ports.get(0)).promisc, 3000);
    await run('ip', ['link', 'set', 'dev', vif(), 'up']);
    await waitFor('port 0 started', async () => (await sw.ports.get(0)).started, 3000);
    t.truthy(await kernelEvent('up', (e) => e.applied && seen.indexOf(e) >= before));
  },
);

test.serial('the port link shows as the vEth carrier', async (t) => {
  const { ns, peerIf } = s.topo.a;
  // the previous test restarted the port: carrier returns with the next link poll
  await waitFor(`${vif()} carrier while the port's link is up`, () => sysfs('carrier') === '1', 3000, 5);
  let t0 = Date.now();
  await run('ip', ['-n', ns, 'link', 'set', 'dev', peerIf, 'down']);
  await waitFor(`${vif()} NO-CARRIER`, () => sysfs('carrier') === '0', 3000, 5);
  const downMs = Date.now() - t0;
  const show = await run('ip', ['link', 'show', 'dev', vif()]);
  t.regex(show.stdout, /NO-CARRIER/, show.stdout);
  t0 = Date.now();
  await run('ip', ['-n', ns, 'link', 'set', 'dev', peerIf, 'up']);
  await waitFor(`${vif()} carrier back`, () => sysfs('carrier') === '1', 3000, 5);
  t.log(`carrier followed the port: down after ${downMs} ms, up after ${Date.now() - t0} ms`);
});
