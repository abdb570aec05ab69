/*
 * Another client of the control benchmark, in a process of its own (forked
 * by control.ts): it connects to the instance (a client slot of its own),
 * then does what the parent asks over IPC:
 *
 *   {cmd: 'churn', n, inPort, outPort}  one batch of n cross-connect updates; answers {ops, ms}
 *   {cmd: 'busy', inPort, outPort}      batches of 10,000 until 'stop'; answers {ops, ms} then
 *   {cmd: 'close'}                      releases its slot and exits
 *
 * It answers {ready: true} once connected.
 */
import { connect } from '../../ts-api/src/index';
import { churn } from '../../ts-api/src/client/internal';

type Msg =
  | { cmd: 'churn'; n: number; inPort: number; outPort: number }
  | { cmd: 'busy'; inPort: number; outPort: number }
  | { cmd: 'stop' }
  | { cmd: 'close' };

function send(m: object): void {
  process.send?.(m);
}

async function main(): Promise<void> {
  const [instance, ctlDir] = process.argv.slice(2);
  const sw = await connect(instance!, { ctlDir: ctlDir || undefined, name: 'bench-peer', timeoutMs: 30_000 });
  let busy = false;
  process.on('message', (m: Msg) => {
    void (async () => {
      if (m.cmd === 'churn') {
        const t0 = performance.now();
        const r = await churn(sw, m.n, m.inPort, m.outPort);
        send({ ops: r.length - r.failed, ms: performance.now() - t0 });
      } else if (m.cmd === 'busy') {
        busy = true;
        let ops = 0;
        const t0 = performance.now();
        while (busy) {
          const r = await churn(sw, 10_000, m.inPort, m.outPort);
          ops += r.length - r.failed;
        }
        send({ ops, ms: performance.now() - t0 });
      } else if (m.cmd === 'stop') {
        busy = false;
      } else {
        await sw.close();
        process.exit(0);
      }
    })().catch((e: unknown) => {
      send({ error: String(e) });
      process.exit(1);
    });
  });
  send({ ready: true });
}

void main().catch((e: unknown) => {
  send({ error: String(e) });
  process.exit(1);
});
