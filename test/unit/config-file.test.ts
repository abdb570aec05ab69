/**
 * The configuration file: what parses, and every error naming its path and
 * the rule it breaks — from the schema (types, bounds, unknown keys, enums)
 * and from the checks after it (addresses, prefixes, port references,
 * duplicates, rules the codec refuses), all reported at once.
 */
import test from 'ava';
import { ConfigError, formatIssue, launchOptionsOf, parseConfig } from '../../ts-api/src/config/index';

/** The `path: rule` lines of the ConfigError `text` raises. */
function errors(text: string): string[] {
  try {
    parseConfig(text, 'test.yaml');
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map(formatIssue);
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const PORTS = `
ports:
  - devargs: net_null0
  - devargs: net_null1
`;

test('a valid file: defaults left out, canonical forms in the desired state', (t) => {
  const f = parseConfig(
    `${PORTS}
routes:
  - {prefix: "FD02:0::/64", via: [{port: 1, gw: "FE80::0:1"}]}
  - {prefix: 10.1.0.1, type: local}
neighbours:
  - {port: 1, ip: 10.2.0.2, mac: "02:00:00:00:00:AB"}
rules:
  - {id: 7, priority: 100, match: {proto: tcp, dst: 10.2.0.0/24, dport: [20, 22]}, action: {type: punt}}
policer: {arp: {ratePps: 500}}
`,
    'ok.yaml',
  );
  t.is(f.config.ports?.length, 2);
  t.deepEqual([...f.desired.routes.keys()], ['fd02::/64', '10.1.0.1/32']);
  t.deepEqual(f.desired.routes.get('fd02::/64')?.via, [{ port: 1, gw: 'fe80::1' }]);
  t.deepEqual([...f.desired.neighbours.values()], [{ port: 1, ip: '10.2.0.2', mac: '02:00:00:00:00:ab' }]);
  t.deepEqual(f.desired.rules.get(7)?.match, { family: 4, dst: '10.2.0.0/24', proto: 6, dport: [20, 22] });
  // the burst a rate gets by default; every port inherits the top-level rate
  t.deepEqual(f.desired.policer, { arp: { ratePps: 500, burst: 50 } });
  t.deepEqual(f.desired.ports[1].policer, { arp: { ratePps: 500, burst: 50 } });
  t.is(f.desired.kernelSync, undefined, 'left out: left as it is');
});

test('JSON is read too, with the same errors', (t) => {
  t.is(parseConfig('{"ports": [{"devargs": "net_null0", "mtu": 9000}]}').desired.ports[0].mtu, 9000);
  t.deepEqual(errors('{"ports": [{"devargs": "net_null0", "mtu": 10000}]}'), ['ports[0].mtu: must be ≤ 9600']);
});

test('schema errors name the path and the rule', (t) => {
  t.deepEqual(
    errors(`
ports:
  - devargs: net_null0
    mtu: 1500
  - devargs: net_null1
    mtu: 10000
    mac: 02:00:00:00:00
    promisc: on
    mtuu: 1
  - {}
xconnects: [{inPort: 0, outPort: 16}]
routes:
  - {prefix: 10.0.0.0/8, type: bridge}
  - {prefix: 10.0.0.0/9, via: []}
rules:
  - {id: -1, priority: 0, match: {sport: [1, 2, 3], proto: true}, action: {type: forward, port: 1}}
policer: {arp: {ratePps: 1.5}, bogus: {ratePps: 1}}
kernelSync: yes
`),
    [
      'ports[1].mtu: must be ≤ 9600',
      'ports[1].mac: must be a MAC address like 02:00:00:00:00:01',
      'ports[1].promisc: must be true or false',
      'ports[1].mtuu: unknown key',
      'ports[2].devargs: is required',
      'xconnects[0].outPort: must be ≤ 15',
      'routes[0].type: must be one of forward, local, drop',
      'routes[1].via: must have at least 1 entry',
      'rules[0].id: must be ≥ 0',
      'rules[0].priority: must be ≥ 1',
      'rules[0].match.proto: must be an IP protocol number 0..255 or a name (tcp, udp, icmp, ...)',
      'rules[0].match.sport: must be an L4 port 0..65535 or a range [lo, hi]',
      'policer.arp.ratePps: must be an integer',
      'policer.bogus: unknown key',
      'kernelSync: must be true or false',
    ],
  );
  t.deepEqual(errors('ports: 3'), ['ports: must be a list']);
  t.deepEqual(errors('- 1'), ['(top level): must be a mapping (key: value)']);
  t.deepEqual(errors(`dataplane: {workers: "a-b", vifPrefix: "9x", vifNetns: "a b", pollMode: spin}`), [
    'dataplane.workers: must be an lcore list like "1" or "1-3"',
    'dataplane.vifPrefix: must be a short interface name prefix like vEth',
    'dataplane.vifNetns: must be an `ip netns` name of [A-Za-z0-9_.-] or an absolute path',
    'dataplane.pollMode: must be one of sleep, busy, interrupt',
  ]);
  t.deepEqual(errors('dataplane: {dpdkTools: 1}'), ['dataplane.dpdkTools: must be true or false']);
  t.deepEqual(errors('dataplane: {syncAuditS: 86401}'), ['dataplane.syncAuditS: must be ≤ 86400']);
  t.deepEqual(errors('dataplane: {dpdkTools: true, hugepages: false}'), [
    "dataplane.dpdkTools: needs hugepages (hugepages is false): DPDK's tools cannot attach to --no-huge memory",
  ]);
});

test('the dataplane section becomes launch options (dpdkTools included)', (t) => {
  const f = parseConfig(`dataplane: {workers: "1", mbufs: 4096, dpdkTools: true}\n${PORTS}`, 'dp.yaml');
  t.like(launchOptionsOf(f.config), { workers: '1', mbufs: 4096, dpdkTools: true, ports: ['net_null0', 'net_null1'] });
  t.is(launchOptionsOf(parseConfig(PORTS, 'dp.yaml').config).dpdkTools, undefined);
});

test('errors after the schema: addresses, prefixes, references, duplicates, rules', (t) => {
  t.deepEqual(
    errors(`${PORTS}
xconnects:
  - {inPort: 0, outPort: 0}
  - {inPort: 1, outPort: 2}
  - {inPort: 1, outPort: 0}
routes:
  - {prefix: 10.2.0/24, via: [{port: 1}]}
  - {prefix: 10.2.0.1/24, via: [{port: 1}]}
  - {prefix: 10.3.0.0/16, via: [{port: 1, gw: "fe80::1"}, {port: 5}]}
  - {prefix: 10.3.0.0/16, type: drop}
  - {prefix: 10.4.0.0/16}
  - {prefix: 10.5.0.0/16, type: local, via: [{port: 0}]}
neighbours:
  - {port: 1, ip: 10.2.0.300, mac: "02:00:00:00:00:01"}
  - {port: 1, ip: 10.2.0.2, mac: "02:00:00:00:00:01"}
  - {port: 1, ip: 10.2.0.2, mac: "02:00:00:00:00:02"}
rules:
  - {id: 1, priority: 10, action: {type: forward}}
  - {id: 2, priority: 10, action: {type: drop, port: 1}}
  - {id: 3, priority: 10, match: {family: 6, src: 10.0.0.0/8}, action: {type: drop}}
  - {id: 3, priority: 20, action: {type: drop}}
  - {id: 4, priority: 10, match: {inPort: 9}, action: {type: mirror, port: 7}}
`),
    [
      'xconnects[0].outPort: port 0 cannot feed itself',
      'xconnects[1].outPort: port 2 is not in ports (0..1)',
      'xconnects[2].inPort: a cross-connect from port 1 is already xconnects[1].inPort',
      'routes[0].prefix: not an IPv4 address ("10.2.0/24")',
      'routes[1].prefix: host bits set in "10.2.0.1/24" (the network is 10.2.0.0/24)',
      'routes[2].via[0].gw: fe80::1 is IPv6, the prefix IPv4',
      'routes[2].via[1].port: port 5 is not in ports (0..1)',
      'routes[3].prefix: route 10.3.0.0/16 is already routes[2].prefix',
      'routes[4].via: is required for a forward route',
      'routes[5].via: must be left out of a local route',
      'neighbours[0].ip: not an IPv4 address ("10.2.0.300")',
      'neighbours[2].ip: neighbour 10.2.0.2 on port 1 is already neighbours[1].ip',
      'rules[0].action.port: is required for a forward action',
      'rules[1].action.port: must be left out of a drop action',
      'rules[2]: src "10.0.0.0/8": IPv4, but the rule is IPv6',
      'rules[3].id: rule 3 is already rules[2].id',
      'rules[4].match.inPort: port 9 is not in ports (0..1)',
      'rules[4].action.port: port 7 is not in ports (0..1)',
    ],
  );
});

test('the message lists every error, one a line, under the file name', (t) => {
  const e = t.throws(() => parseConfig('ports: [{devargs: x, mtu: 1}]\nkernelSync: 1\n', 'lab.yaml'), {
    instanceOf: ConfigError,
  });
  t.is(e?.code, 'BAD_ARGUMENT');
  t.is(e?.message, 'lab.yaml: 2 errors:\n  ports[0].mtu: must be ≥ 68\n  kernelSync: must be true or false');
  const one = t.throws(() => parseConfig('ports: [{devargs: x, mtu: 1}]', 'lab.yaml'));
  t.is(one?.message, 'lab.yaml: ports[0].mtu: must be ≥ 68');
});

test('YAML that does not parse: line and column; duplicate keys are errors', (t) => {
  t.deepEqual(errors('ports:\n  - devargs: [unclosed\n'), [
    'line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]',
  ]);
  const dup = errors('kernelSync: true\nkernelSync: false\n');
  t.is(dup.length, 1);
  t.regex(dup[0], /^line 2, column 1: Map keys must be unique/);
});

test('the dataplane section and its ports start slipwayd: launch options of a file', (t) => {
  const f = parseConfig(
    `${PORTS}
dataplane: {workers: "1", mbufs: 4095, maxRoutes: 1024, vifNetns: rtr-1, pollMode: interrupt, syncAuditS: 5}
kernelSync: true
`,
    'start.yaml',
  );
  t.deepEqual(launchOptionsOf(f.config), {
    ports: ['net_null0', 'net_null1'],
    workers: '1',
    mbufs: 4095,
    maxRoutes: 1024,
    vifNetns: 'rtr-1',
    pollMode: 'interrupt',
    syncAuditS: 5,
    kernelSync: true,
  });
});
