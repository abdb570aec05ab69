/**
 * The difference between a running configuration and a file: what changes,
 * in which order, what is refused before anything changes, and how
 * --dry-run prints it. Pure: no dataplane.
 */
import test from 'ava';
import { parseConfig, renderPlan } from '../../ts-api/src/config/index';
import { makePlan } from '../../ts-api/src/config/plan';
import type { RunningPort, RunningState } from '../../ts-api/src/config/state';
import { ConfigError, formatIssue } from '../../ts-api/src/config/issues';

const DEFAULTS = {
  arp: { ratePps: 2000, burst: 256 },
  icmp: { ratePps: 2000, burst: 256 },
  host: { ratePps: 250000, burst: 16384 },
  other: { ratePps: 100000, burst: 8192 },
};

function port(i: number, over: Partial<RunningPort> = {}): RunningPort {
  return {
    devargs: `net_null${i}`,
    mtu: 1500,
    mac: `02:00:00:00:00:0${i}`,
    promisc: false,
    started: true,
    policer: { ...DEFAULTS },
    minMtu: 68,
    maxMtu: 9600,
    name: `net_null${i}`,
    vif: `vEth${i}`,
    ...over,
  };
}

/** A dataplane with two ports, a cross-connect, two routes, a neighbour and a rule. */
function running(): RunningState {
  return {
    ports: [port(0), port(1)],
    xconnects: new Map([[0, 1]]),
    routes: new Map([
      ['10.2.0.0/24', { prefix: '10.2.0.0/24', type: 'forward' as const, via: [{ port: 1 }] }],
      [
        '10.9.0.0/16',
        {
          prefix: '10.9.0.0/16',
          type: 'forward' as const,
          via: [
            { port: 1, gw: '10.2.0.254' },
            { port: 1, gw: '10.2.0.253' },
          ],
        },
      ],
    ]),
    neighbours: new Map([['1|10.2.0.2', { port: 1, ip: '10.2.0.2', mac: '02:00:00:00:00:22' }]]),
    rules: new Map([[7, { id: 7, priority: 100, match: { inPort: 0 }, action: { type: 'drop' as const } }]]),
    policer: { ...DEFAULTS },
    kernelSync: false,
  };
}

/** The same configuration as a file, with `extra` appended. */
const SAME = `
ports:
  - {devargs: net_null0}
  - {devargs: net_null1}
xconnects: [{inPort: 0, outPort: 1}]
routes:
  - {prefix: 10.2.0.0/24, via: [{port: 1}]}
  - {prefix: 10.9.0.0/16, via: [{port: 1, gw: 10.2.0.253}, {port: 1, gw: 10.2.0.254}]}
neighbours: [{port: 1, ip: 10.2.0.2, mac: "02:00:00:00:00:22"}]
rules: [{id: 7, priority: 100, match: {inPort: 0}, action: {type: drop}}]
`;

const plan = (text: string, r = running()) => makePlan(r, parseConfig(text).desired, 'test.yaml');

test('the same configuration: no changes (ECMP members in another order, values left out)', (t) => {
  const p = plan(SAME);
  t.deepEqual(p.changes, []);
  t.is(renderPlan(p), 'no changes\n');
});

test('every kind of change, in the order it is made, as --dry-run prints it', (t) => {
  const p = plan(`
ports:
  - {devargs: net_null0, mtu: 9000, started: false}
  - {devargs: net_null1, promisc: true, policer: {arp: {ratePps: 100, burst: 10}}}
  - {devargs: net_null2, mtu: 2000}
xconnects: [{inPort: 0, outPort: 2}, {inPort: 1, outPort: 0}]
routes:
  - {prefix: 10.2.0.0/24, via: [{port: 2}]}
  - {prefix: "fd00::/64", type: drop}
neighbours: [{port: 1, ip: 10.2.0.2, mac: "02:00:00:00:00:23"}, {port: 2, ip: 10.3.0.1, mac: "02:00:00:00:00:31"}]
rules: [{id: 8, priority: 5, action: {type: count}}]
policer: {other: {ratePps: 1000, burst: 100}}
kernelSync: true
`);
  t.is(
    renderPlan(p),
    [
      '+ port 2: net_null2 (mtu 2000)',
      '~ port 0: stop',
      '~ port 0: mtu 1500 -> 9000',
      '~ port 1: promisc off -> on',
      '- rule 7: priority 100, drop when {"inPort":0}',
      '- route 10.9.0.0/16: via 1:10.2.0.254 1:10.2.0.253',
      '- xconnect 0: 0 -> 1',
      '+ xconnect 1: 1 -> 0',
      '+ xconnect 0: 0 -> 2',
      '+ route fd00::/64: drop',
      '~ route 10.2.0.0/24: via 1 -> via 2',
      '+ neighbour 10.3.0.1 on port 2: 02:00:00:00:00:31',
      '~ neighbour 10.2.0.2 on port 1: 02:00:00:00:00:22 -> 02:00:00:00:00:23',
      '+ rule 8: priority 5, count',
      '~ policer defaults other: 100000/s burst 8192 -> 1000/s burst 100',
      '~ policer port 1 arp: 2000/s burst 256 -> 100/s burst 10',
      '~ kernel sync: off -> on',
      '17 changes: 6 to add, 8 to change, 3 to remove',
      '',
    ].join('\n'),
  );
  t.deepEqual(
    p.phases.map((ph) => ph.name),
    [
      'add port',
      'stop ports',
      'port settings',
      'remove rules',
      'remove routes',
      'remove cross-connects',
      'add cross-connects',
      'add routes',
      'add neighbours',
      'add rules',
      'policer defaults',
      'port policers',
      'kernel sync',
    ],
  );
  t.like(p.changes[2], { action: 'change', kind: 'port', before: { mtu: 1500 }, after: { mtu: 9000 } });
  t.is(renderPlan(p, true).split('\n').at(-2), 'applied 17 changes: 6 added, 8 changed, 3 removed');
});

test('lists are complete: a list left out is empty', (t) => {
  const p = plan(`ports: [{devargs: net_null0}, {devargs: net_null1}]`);
  t.deepEqual(
    p.changes.map((c) => `${c.action} ${c.item}`),
    [
      'remove rule 7',
      'remove neighbour 10.2.0.2 on port 1',
      'remove route 10.2.0.0/24',
      'remove route 10.9.0.0/16',
      'remove xconnect 0',
    ],
  );
});

test('the policer: a port that sets its own rate keeps it when the defaults change', (t) => {
  const r = running();
  r.ports[1].policer = { ...DEFAULTS, arp: { ratePps: 10, burst: 16 } };
  // show config writes port 1's own arp rate; the defaults change
  const p = plan(
    `${SAME.replace('- {devargs: net_null1}', '- {devargs: net_null1, policer: {arp: {ratePps: 10, burst: 16}}}')}
policer: {arp: {ratePps: 500, burst: 50}}`,
    r,
  );
  t.deepEqual(
    p.changes.map((c) => `${c.item}: ${c.text}`),
    // the defaults set every port; port 1 gets its own rate back
    ['policer defaults arp: 2000/s burst 256 -> 500/s burst 50', 'policer port 1 arp: 500/s burst 50 -> 10/s burst 16'],
  );
});

test('what cannot be done live is refused before anything changes', (t) => {
  const r = running();
  const e = t.throws(() => plan(`ports: [{devargs: "net_null0,size=64"}]`, r), { instanceOf: ConfigError });
  t.deepEqual(e?.issues.map(formatIssue), [
    'ports[0].devargs: port 0 runs with devargs "net_null0": it cannot be replaced without a restart',
    'ports: port 1 (net_null1) is running but not in the file: ports cannot be removed without a restart',
  ]);
  r.ports[1].maxMtu = 1500;
  const mtu = t.throws(() => plan(SAME.replace('{devargs: net_null1}', '{devargs: net_null1, mtu: 9000}'), r), {
    instanceOf: ConfigError,
  });
  t.deepEqual(mtu?.issues.map(formatIssue), ['ports[1].mtu: must be 68..1500 for port 1 (net_null1)']);
});
