/*
 * slipctl batch FILE and multi-pair `xconnect add` against a real slipwayd:
 * every line gets its own status, failures are reported per line with the
 * dataplane's message and exit code 1, --json output parses.
 */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { controller, e2eSuite, slipctl } from './harness';

const s = e2eSuite(test, { name: 'clib', vifPrefix: 'clb' });

test.serial(
  'xconnect add with several pairs and slipctl batch FILE apply each change with its own status',
  async (t) => {
    // slipctl takes a client slot of its own: the suite's client stays connected
    await controller(s);
    const add = await slipctl(['-i', s.instance, '--json', 'xconnect', 'add', '0', '1', '1', '0']);
    t.is(add.code, 0, `xconnect add 0 1 1 0: ${add.stderr}`);
    t.deepEqual(
      JSON.parse(add.stdout).map((x: { inPort: number; ok: boolean }) => [x.inPort, x.ok]),
      [
        [0, true],
        [1, true],
      ],
    );

    const dir = mkdtempSync(path.join(tmpdir(), 'slipctl-batch-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'changes.txt');
    const lines = [
      '# churn on port 0',
      ...Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? 'xconnect del 0' : 'xconnect add 0 1')),
      'xconnect del 5',
      '',
    ];
    writeFileSync(file, lines.join('\n'));
    const r = await slipctl(['-i', s.instance, '--json', 'batch', file]);
    t.is(r.code, 1, `one line must fail (exit 1): ${r.stderr}`);
    const out = JSON.parse(r.stdout) as {
      total: number;
      ok: number;
      failed: number;
      failures: Array<{ line: number; code: string; error: string }>;
    };
    t.like(out, { total: 1001, ok: 1000, failed: 1 });
    t.is(out.failures[0]!.line, 1002, `failure names its line: ${JSON.stringify(out.failures)}`);
    t.is(out.failures[0]!.code, 'NO_PORT', `xconnect del 5: ${JSON.stringify(out.failures)}`);

    const badFile = path.join(dir, 'bad.txt');
    writeFileSync(badFile, 'xconnect add 0 1\nxconnect add 0\n');
    const bad = await slipctl(['-i', s.instance, 'batch', badFile]);
    t.is(bad.code, 2, `a malformed line is a usage error: ${bad.stdout} ${bad.stderr}`);
    t.regex(bad.stderr, /bad\.txt:2: "xconnect add 0"/);
    const sw = await controller(s);
    t.deepEqual(
      [...(await sw.xconnects.list())].sort((a, b) => a.inPort - b.inPort),
      [
        { inPort: 0, outPort: 1 },
        { inPort: 1, outPort: 0 },
      ],
    );
  },
);
