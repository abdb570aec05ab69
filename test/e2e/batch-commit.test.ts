/*
 * A batch larger than its slot's response ring holds answers for, against
 * a real slipwayd: the dataplane holds a batch's commit while its client
 * says more follow (SW_MSG_F_MORE), and answers wait for the commit; once
 * the held answers fill the response ring it can take no more requests.
 * Then it commits at once ("answers full" in its debug log) rather than
 * waiting out the hold (250 ms) for requests it cannot take: before that,
 * a million updates waited ~15 holds (233k updates/s).
 *
 * What is asserted: every update answered OK; the commits of the batch, in
 * slipwayd's log, are all full ones of the same size (as many answers as
 * the ring holds), made before the hold ran out, but the last, which ends
 * the batch; they add up to the batch. Ports: quiet net_null (no-rx), nothing else runs.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { launch, type Slipway } from '../../ts-api/src/index';
import { churn } from '../../ts-api/src/client/internal';
import { defaultLogFile, killStaleDataplanes, logTail, logger } from './harness';
import { hugepagesTotal } from './netns';

const instance = `e2e-batchc-${process.pid}`;
let sw: Slipway | undefined;

test.before(() => {
  for (const k of killStaleDataplanes()) process.stderr.write(`e2e: killed a stale slipwayd: ${k}\n`);
});

test.after.always(async () => {
  if (sw) await sw.shutdown({ timeoutMs: 15_000 }).catch(() => undefined);
});

const COMMIT = /serve: commit of (\d+) requests after (\d+) us \(([a-z ]+)\)/;

function commitsSince(offset: number): Array<{ n: number; us: number; why: string }> {
  return readFileSync(defaultLogFile(instance), 'utf8')
    .slice(offset)
    .split('\n')
    .flatMap((l) => {
      const m = COMMIT.exec(l);
      return m ? [{ n: Number(m[1]), us: Number(m[2]), why: m[3]! }] : [];
    });
}

test.serial(
  'a batch whose held answers fill the response ring commits at once, in as few commits as fit',
  async (t) => {
    sw = await launch({
      instance,
      ports: ['net_null0,no-rx=1', 'net_null1,no-rx=1'],
      vifPrefix: 'bcm',
      noHuge: hugepagesTotal() === 0,
      eal: ['--log-level=slipway:debug'],
      logger,
    }).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\n${logTail(instance)}`);
    });
    const N = 200_000; // about three response rings of held answers (16-byte answers, 1 MiB ring)
    const offset = readFileSync(defaultLogFile(instance), 'utf8').length;
    const t0 = performance.now();
    const r = await churn(sw, N, 0, 1);
    const ms = performance.now() - t0;
    t.true(r.ok, `churn: ${JSON.stringify(r.summary())}`);
    t.deepEqual(await sw.xconnects.list(), [], 'an even churn leaves the table as it was');

    const commits = commitsSince(offset);
    t.log(
      `${N} updates in ${ms.toFixed(0)} ms: ${commits.map((c) => `${c.n} after ${c.us} us (${c.why})`).join(', ')}`,
    );
    t.is(
      commits.reduce((a, c) => a + c.n, 0),
      N,
      `the commits add up to the batch\n${logTail(instance)}`,
    );
    const full = commits.slice(0, -1);
    t.true(full.length >= 2, `${commits.length} commits: the batch outgrows the response ring`);
    t.true(
      full.every((c) => c.why === 'answers full' && c.n === full[0]!.n),
      `every commit but the last is a full ring of answers, committed at once: ${JSON.stringify(commits)}`,
    );
    t.is(commits[commits.length - 1]!.why, 'batch ended', 'the last commit ends the batch');
    // at once: a full ring is committed when it fills, not when the 250 ms hold runs out (as it
    // was: every commit after 250,000 us). Filling it takes 20-50 ms on a loaded 2-CPU machine.
    t.true(
      full.every((c) => c.us < 250_000),
      `no full ring of answers waited out the hold: ${JSON.stringify(commits)}`,
    );
  },
);
