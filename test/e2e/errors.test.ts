/*
 * Bad requests get error responses with stable codes, and the dataplane keeps
 * forwarding after each one.
 */
import test, { type ExecutionContext } from 'ava';
import { MSG_HDR_SIZE, Op, STATUS_NAMES, SyncCfg } from '../../ts-api/src/wire/abi';
import { ctlPath, SlipwayError } from '../../ts-api/src/index';
import { assertForwards, controller, e2eSuite, logTail, pidAlive } from './harness';
import { RawController } from './rawring';

const s = e2eSuite(test, { name: 'err', vifPrefix: 'swe', addrsA: ['10.13.0.1/24'], addrsB: ['10.13.0.2/24'] });

/** Asserts that fn rejects with a SlipwayError of one of `codes` and a message; returns it. */
async function rejectsWith(
  t: ExecutionContext,
  what: string,
  fn: () => Promise<unknown>,
  codes: string[],
  message?: RegExp,
): Promise<SlipwayError | undefined> {
  let error: unknown;
  try {
    const value = await fn();
    t.fail(
      `${what}: expected ${codes.join(' or ')}, got success: ${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`,
    );
    return undefined;
  } catch (error_) {
    error = error_;
  }

  if (!(error instanceof SlipwayError)) {
    t.fail(`${what}: expected a SlipwayError, got ${String((error as Error)?.stack ?? error)}`);
    return undefined;
  }

  t.true(codes.includes(error.code), `${what}: code ${error.code} (${error.message}), expected ${codes.join(' or ')}`);
  t.true(error.message.length > 0, `${what}: empty message`);
  if (message) {
    t.regex(error.message, message, `${what}: message`);
  }

  t.log(`${what}: ${error.code}: ${error.message}`);
  return error;
}

async function stillForwards(t: ExecutionContext, after: string): Promise<void> {
  t.true(pidAlive(s.pid), `slipwayd pid ${s.pid} died after ${after}\n${logTail(s.instance)}`);
  const sw = await controller(s);
  const hello = await sw.hello();
  t.is(hello.dpPid, s.pid, `after ${after}: same dataplane answers`);
  await assertForwards(t, s, `after ${after}`);
}

test.serial('set-up: cross-connects forward A <-> B', async (t) => {
  const sw = await controller(s);
  await sw.xconnects.add(0, 1);
  await sw.xconnects.add(1, 0);
  await assertForwards(t, s, 'baseline');
});

test.serial('unknown port: NO_PORT naming the port', async (t) => {
  const sw = await controller(s);
  await rejectsWith(t, 'ports.get(9)', async () => sw.ports.get(9), ['NO_PORT'], /9/);
  await rejectsWith(t, 'ports.start(9)', async () => sw.ports.start(9), ['NO_PORT'], /9/);
  await rejectsWith(t, 'xconnects.add(0, 9)', async () => sw.xconnects.add(0, 9), ['NO_PORT'], /9/);
  await stillForwards(t, 'unknown-port requests');
});

test.serial('malformed devargs: INVALID or DEVICE with a message', async (t) => {
  const sw = await controller(s);
  await rejectsWith(t, 'ports.add("net_nosuchdriver0")', async () => sw.ports.add('net_nosuchdriver0'), [
    'INVALID',
    'DEVICE',
  ]);
  await rejectsWith(t, 'ports.add("net_null9,=,=,")', async () => sw.ports.add('net_null9,=,=,'), [
    'INVALID',
    'DEVICE',
  ]);
  const ports = await sw.ports.list();
  t.is(ports.length, 2, `no port was added by failed adds: ${ports.map((p) => p.name).join(', ')}`);
  await stillForwards(t, 'malformed devargs');
});

test.serial('MTU out of range: RANGE', async (t) => {
  const sw = await controller(s);
  const port0 = await sw.ports.get(0);
  t.log(`port 0 MTU ${port0.mtu} in ${port0.minMtu}..${port0.maxMtu}`);
  if (port0.maxMtu < 0xffff_ffff) {
    await rejectsWith(t, `MTU ${port0.maxMtu + 1} on port 0`, async () => sw.ports.set(0, { mtu: port0.maxMtu + 1 }), [
      'RANGE',
    ]);
  }

  if (port0.minMtu > 0) {
    await rejectsWith(t, `MTU ${port0.minMtu - 1} on port 0`, async () => sw.ports.set(0, { mtu: port0.minMtu - 1 }), [
      'RANGE',
    ]);
  }

  t.true(
    port0.maxMtu < 0xffff_ffff || port0.minMtu > 0,
    `port 0 reports no MTU bounds (${port0.minMtu}..${port0.maxMtu}), nothing to test`,
  );
  const again = await sw.ports.get(0);
  t.is(again.mtu, port0.mtu, 'MTU unchanged');
  await stillForwards(t, 'out-of-range MTUs');
});

test.serial('unknown opcode: UNKNOWN_OP', async (t) => {
  const sw = await controller(s);
  let status: number | undefined;
  try {
    const r = await sw.request(0x7777);
    status = r.status;
  } catch (error) {
    t.true(error instanceof SlipwayError, `request(0x7777) threw ${String(error)}`);
    t.is((error as SlipwayError).code, 'UNKNOWN_OP', (error as Error).message);
    status = STATUS_NAMES.indexOf('UNKNOWN_OP');
  }

  t.is(STATUS_NAMES[status!], 'UNKNOWN_OP', `request(0x7777) got status ${status} (${STATUS_NAMES[status!]})`);
  await stillForwards(t, 'an unknown opcode');
});

test.serial(
  'checks the handlers make, sent raw: a NUL in devargs (MALFORMED), kernel sync enabled 2 (RANGE)',
  async (t) => {
    const sw = await controller(s);
    const text = (p: Uint8Array) => Buffer.from(p).toString('utf8');
    const nul = await sw.request(Op.PORT_ADD, new TextEncoder().encode('net_null9\0,x=1'));
    t.is(STATUS_NAMES[nul.status], 'MALFORMED', text(nul.payload));
    t.regex(text(nul.payload), /devargs contain a NUL byte/);
    const cfg = new Uint8Array(SyncCfg.SIZE);
    cfg[SyncCfg.enabled] = 2;
    const two = await sw.request(Op.SYNC_SET, cfg);
    t.is(STATUS_NAMES[two.status], 'RANGE', text(two.payload));
    t.regex(text(two.payload), /enabled must be 0 or 1, not 2/);
    t.false((await sw.kernelSync.get()).enabled, 'the refused request changed nothing');
    await stillForwards(t, 'requests refused by their handlers');
  },
);

test.serial('truncated and mis-sized messages written straight into the ring: MALFORMED', async (t) => {
  // The raw writer has a slot (and rings) of its own, beside the suite's client.
  const raw = new RawController(ctlPath(s.instance));
  raw.claimSlot();
  try {
    const cases: Array<{ what: string; make: () => { bytes: Uint8Array; seq: number; publish?: number } }> = [
      {
        // PORT_SET needs a 16-byte struct sw_port_set; only 4 bytes follow the header.
        what: 'PORT_SET with a 4-byte payload',
        make: () => raw.message(MSG_HDR_SIZE + 4, Op.PORT_SET, new Uint8Array([0, 0, 1, 0])),
      },
      {
        what: 'PORT_GET with no payload',
        make: () => raw.message(MSG_HDR_SIZE, Op.PORT_GET),
      },
      {
        what: 'a header whose len (8) is smaller than the header',
        make: () => raw.message(8, Op.HELLO),
      },
      {
        // len claims 64 bytes but only the 16-byte header is published
        what: 'a header whose len (64) exceeds what was published (16)',
        make: () => ({ ...raw.message(64, Op.PORT_GET), publish: MSG_HDR_SIZE }),
      },
    ];
    for (const c of cases) {
      const m = c.make();
      raw.writeRaw(m.bytes, m.publish);
      let resp;
      try {
        resp = await raw.response();
      } catch (error) {
        t.fail(`${c.what}: ${(error as Error).message}\n${logTail(s.instance)}`);
        continue;
      }

      const text = Buffer.from(resp.payload).toString('utf8');
      t.log(`${c.what}: status ${STATUS_NAMES[resp.status]} seq ${resp.seq.toString(16)} "${text}"`);
      t.is(
        STATUS_NAMES[resp.status],
        'MALFORMED',
        `${c.what}: status ${resp.status} (${STATUS_NAMES[resp.status]}) "${text}"`,
      );
      t.true(text.length > 0, `${c.what}: the error response carries a message`);
      const idx = raw.requestIndices();
      t.is(
        idx.cons,
        idx.prod,
        `${c.what}: the dataplane consumed the request ring (prod ${idx.prod}, cons ${idx.cons})`,
      );
      t.true(pidAlive(s.pid), `${c.what}: slipwayd died\n${logTail(s.instance)}`);
    }
  } finally {
    raw.releaseSlot();
  }

  // A normal controller works again on the same rings.
  await stillForwards(t, 'malformed messages');
  const sw = await controller(s);
  const xcs = await sw.xconnects.list();
  t.is(xcs.length, 2, `cross-connects survived: ${JSON.stringify(xcs)}`);
});
