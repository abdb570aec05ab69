/*
 * A controller in its own process, for the lease tests:
 *   node --require tsx/cjs test/e2e/helpers/controller.ts INSTANCE hold
 *     connects (takes the lease), prints "READY <pid> <dpPid>", holds it until killed
 *   node --require tsx/cjs test/e2e/helpers/controller.ts INSTANCE try
 *     tries to connect; prints "CONNECTED <pid>" or "ERROR <code> <message>" and exits
 */
import { connect, createLogger, SlipwayError } from '../../../ts-api/src/index';

async function main(): Promise<void> {
  const [instance, mode] = process.argv.slice(2);
  if (!instance || (mode !== 'hold' && mode !== 'try')) {
    throw new Error('usage: controller.ts INSTANCE hold|try');
  }

  const logger = createLogger({ level: process.env.SLIPWAY_LOG_LEVEL ?? 'warn' });
  try {
    const sw = await connect(instance, { logger });
    const hello = await sw.hello();
    await sw.xconnects.list();
    if (mode === 'try') {
      process.stdout.write(`CONNECTED ${process.pid} ${hello.dpPid}\n`);
      await sw.close();
      return;
    }

    process.stdout.write(`READY ${process.pid} ${hello.dpPid}\n`);
    setInterval(() => {}, 1 << 30); // hold the lease until killed
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
