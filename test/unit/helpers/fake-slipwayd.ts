/**
 * A stand-in for the slipwayd binary in launch tests: parses the argv that
 * launch() builds, serves a FakeDataplane control file, removes it on SIGTERM.
 */
import { ctlPath } from '../../../ts-api/src/wire/ctlfile';
import { FakeDataplane } from './fake-dataplane';

const argv = process.argv.slice(2);
const opt = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 && i < argv.indexOf('--') ? argv[i + 1] : undefined;
};
console.log(`fake slipwayd ${argv.join(' ')}`);
const file = ctlPath(opt('--instance') ?? '', opt('--ctl-dir'));
const fake = new FakeDataplane({ file }).start();
for (const p of argv.flatMap((a, i) => (a === '--port' ? [argv[i + 1]] : []))) {
  fake.ports.push({
    port: fake.ports.length,
    ethPort: 0,
    started: false,
    linkUp: false,
    linkSpeed: 0,
    mtu: 1500,
    mac: '02:00:00:00:00:01',
    promisc: false,
    fullDuplex: true,
    workerLcore: null,
    nRxq: 1,
    nTxq: 1,
    minMtu: 68,
    maxMtu: 9000,
    name: p,
    driver: 'fake',
    vif: 'vEth0',
  });
}
process.on('SIGTERM', () => {
  fake.destroy();
  process.exit(0);
});
