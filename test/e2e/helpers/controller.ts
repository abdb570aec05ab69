/*
 * A client in its own process, for the clients tests:
 *   node --require tsx/cjs test/e2e/helpers/controller.ts INSTANCE hold
 *     connects, prints "READY <pid> <dpPid> <slot>", then every event as
 *     "EVENT <type> <json>", and holds its slot until killed
 *   node --require tsx/cjs test/e2e/helpers/controller.ts INSTANCE try
 *     connects; prints "CONNECTED <pid> <dpPid> <slot>" or "ERROR <code> <message>" and exits
 *   node --require tsx/cjs test/e2e/helpers/controller.ts INSTANCE hammer K N
 *     adds N host routes 10.(100+K).x.y/32 in one batch, then asks ROUTE_GET
 *     for each of them, all in flight together, and checks that every
 *     answer names the route asked for; prints "DONE <K> <ok> <wrong>
 *     <first mismatch>" and exits
 * Any: CTL_DIR in the environment is the control directory.
 */
import { connect, createLogger, SlipwayError } from '../../../ts-api/src/index';

function hostAddr(k: number, i: number): string {
  return `10.${100 + k}.${(i >> 8) & 0xff}.${i & 0xff}`;
}

async function main(): Promise<void> {
  const [instance, mode, ...rest] = process.argv.slice(2);
  if (!instance || !['hold', 'try', 'hammer'].includes(mode ?? '')) {
    throw new Error('usage: controller.ts INSTANCE hold|try|hammer K N');
  }

  const logger = createLogger({ level: process.env.SLIPWAY_LOG_LEVEL ?? 'warn' });
  try {
    const sw = await connect(instance, { logger, name: `e2e-${mode}`, ctlDir: process.env.CTL_DIR });
    const hello = await sw.hello();
    await sw.xconnects.list();
    const slot = sw.slot()?.index ?? -1;
    if (mode === 'try') {
      process.stdout.write(`CONNECTED ${process.pid} ${hello.dpPid} ${slot}\n`);
      await sw.close();
      return;
    }

    if (mode === 'hammer') {
      const k = Number(rest[0]);
      const n = Number(rest[1]);
      const routes = Array.from({ length: n }, (_, i) => ({ prefix: `${hostAddr(k, i)}/32`, via: [{ port: 1 }] }));
      (await sw.routes.addMany(routes)).throwIfFailed();
      const answers = await Promise.all(routes.map((_, i) => sw.routes.get(hostAddr(k, i))));
      let ok = 0;
      const wrong: string[] = [];
      answers.forEach((m, i) => {
        if (m.found && m.route?.prefix === `${hostAddr(k, i)}/32`) ok++;
        else wrong.push(`${hostAddr(k, i)} -> ${m.route?.prefix ?? 'none'}`);
      });
      process.stdout.write(`DONE ${k} ${ok} ${wrong.length} ${wrong[0] ?? '-'}\n`);
      await sw.close();
      return;
    }

    process.stdout.write(`READY ${process.pid} ${hello.dpPid} ${slot}\n`);
    for await (const ev of sw.events()) {
      process.stdout.write(`EVENT ${ev.type} ${JSON.stringify(ev)}\n`);
    }
  } catch (error) {
    if (error instanceof SlipwayError) {
      process.stdout.write(`ERROR ${error.code} ${error.message}\n`);
      process.exitCode = 3;
      return;
    }

    throw error;
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
