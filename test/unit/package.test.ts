/**
 * The package as a Node user gets it: `npm pack`, then the tarball
 * installed into an empty project, offline, with the dependency versions of
 * this repository's lockfile (npm ci of this repository put their tarballs
 * in npm's cache). Then: `npx slipctl --version`; `import` and `require` of
 * 'slipway' and 'slipway/wire' (one module instance for both; internals
 * hidden by the exports map) with their types checked by tsc for an ES
 * module and a CommonJS consumer; the native addon shipped prebuilt for
 * this platform, and built from source by the install script when asked;
 * slipwayd looked for in the documented order; launch() of a stand-in
 * slipwayd, a request, and shutdown, all from the installed package.
 *
 * Skipped only when npm itself is not there.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const npmVersion = spawnSync('npm', ['--version'], { encoding: 'utf8' });
const npmThere = !npmVersion.error && npmVersion.status === 0;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Run {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env, npm_config_update_notifier: 'false' },
    maxBuffer: 64 << 20,
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

/**
 * package.json and package-lock.json of a project that depends on the
 * tarball: the lock lists the tarball and, from this repository's lock,
 * every package that is not a dev dependency (slipway's dependencies and
 * theirs, laid out as npm laid them out here), so `npm ci --offline`
 * resolves nothing from the registry.
 */
function consumerProject(dir: string, tarball: string): void {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const spec = `file:${path.relative(dir, tarball)}`;
  const integrity = `sha512-${createHash('sha512').update(fs.readFileSync(tarball)).digest('base64')}`;
  const packages: Record<string, unknown> = {
    '': { name: 'slipway-consumer', version: '1.0.0', dependencies: { slipway: spec } },
    'node_modules/slipway': {
      version: pkg.version,
      resolved: spec,
      integrity,
      hasInstallScript: true,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [k, v] of Object.entries(lock.packages)) if (k !== '' && !v.dev) packages[k] = v;
  const project = {
    name: 'slipway-consumer',
    version: '1.0.0',
    private: true,
    dependencies: { slipway: spec },
    // npm 12 runs a dependency's install script only when allowed (npm 11: advisory)
    allowScripts: { slipway: true },
  };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(project, null, 2));
  fs.writeFileSync(
    path.join(dir, 'package-lock.json'),
    JSON.stringify(
      { name: 'slipway-consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages },
      null,
      2,
    ),
  );
}

/** An ES module consumer: values, types, one instance with require(), the exports map, launch/request/shutdown. */
const ESM = `
import { createRequire } from 'node:module';
import { connect, launch, findSlipwayd, isSlipwayError, SlipwayError, type Slipway, type Route } from 'slipway';
import { loadNative, loadedNativePath } from 'slipway/wire';

const require = createRequire(import.meta.url);
const cjs = require('slipway') as typeof import('slipway');
let hidden = '';
try {
  require('slipway/ts-api/dist/client/transport.js');
} catch (e) {
  hidden = (e as { code?: string }).code ?? String(e);
}
loadNative();
const out: Record<string, unknown> = {
  sameInstance: cjs.SlipwayError === SlipwayError && cjs.connect === connect,
  esmNames: Object.keys(await import('slipway')).filter((k) => k !== '__esModule' && k !== 'default').sort(),
  cjsNames: Object.keys(cjs).filter((k) => k !== '__esModule').sort(),
  hidden,
  native: loadedNativePath(),
  slipwayd: (() => { try { return findSlipwayd(); } catch (e) { return (e as Error).message; } })(),
};
const [binary, ctlDir, logFile] = process.argv.slice(2);
if (binary) {
  const sw: Slipway = await launch({ instance: 'pkgtest', binary, ctlDir, logFile, signal: AbortSignal.timeout(60_000) });
  {
    await using client = await connect('pkgtest', { ctlDir, logger: console });
    out.abi = (await client.hello({ signal: AbortSignal.timeout(5000) })).abiVersion;
    const routes: Route[] = await client.routes.list({ family: 4 });
    out.routes = routes.length;
  }
  await sw.shutdown({ timeoutMs: 10_000 });
  try {
    await connect('pkgtest', { ctlDir });
  } catch (e) {
    out.afterShutdown = isSlipwayError(e) ? e.code : String(e);
  }
}
console.log(JSON.stringify(out));
`;

/** A CommonJS consumer, typed through the require condition. */
const CJS = `
import slipway = require('slipway');
import wire = require('slipway/wire');
const opts: slipway.ConnectOptions = { ctlDir: '/run/slipway', signal: AbortSignal.timeout(1000), logger: console };
const use = async (): Promise<void> => {
  const sw: slipway.Slipway = await slipway.connect('lab', opts);
  await sw.routes.add({ prefix: '10.2.0.0/24', via: [{ port: 1 }] }, { signal: AbortSignal.timeout(100) });
  for await (const ev of sw.events({ signal: AbortSignal.timeout(100) })) console.log(ev.type);
  await sw[Symbol.asyncDispose]();
};
void use;
console.log(JSON.stringify({ connect: typeof slipway.connect, codes: Object.keys(slipway.ERROR_CODES).length, candidates: wire.nativeCandidates().length }));
`;

/** Must not type-check: the types are the package's, not \`any\`. */
const WRONG = `
import { connect } from 'slipway';
void connect(42, { retry: 'often' });
`;

(npmThere ? test : test.skip)(
  npmThere
    ? 'npm pack, then install the tarball offline into an empty project: slipctl, import and require with types, the addon, slipwayd'
    : 'npm pack and install (skipped: npm is not installed here)',
  (t) => {
    t.timeout(600_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-pack-'));
    t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

    // npm pack runs prepack: the TypeScript and the addon built, the addon copied to prebuilds/
    const pack = run('npm', ['pack', '--pack-destination', dir], ROOT);
    t.is(pack.code, 0, `npm pack:\n${pack.stderr}`);
    const tarball = path.join(dir, pack.stdout.trim().split('\n').at(-1)!);
    t.true(fs.existsSync(tarball), tarball);
    const list = run('tar', ['tzf', tarball], dir).stdout.split('\n');
    for (const f of [
      'package/package.json',
      'package/ts-api/dist/index.js',
      'package/ts-api/dist/index.mjs',
      'package/ts-api/dist/index.d.ts',
      'package/ts-api/dist/index.d.mts',
      'package/ts-api/dist/cli/main.js',
      'package/native/binding.gyp',
      'package/native/src/addon.cc',
      `package/prebuilds/${process.platform}-${process.arch}/slipway_native.node`,
      'package/ts-api/schema/slipway-config.schema.json',
    ]) {
      t.true(list.includes(f), `${f} in the tarball`);
    }
    t.false(
      list.some((f) => /\.ts$/.test(f) && !/\.d\.ts$/.test(f)),
      'no TypeScript sources, only declarations',
    );
    t.false(
      list.some((f) => /^package\/(test|dataplane|build)\//.test(f)),
      'no tests, C sources or build trees',
    );

    const project = path.join(dir, 'consumer');
    fs.mkdirSync(project);
    consumerProject(project, tarball);
    const install = run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--foreground-scripts'], project);
    t.is(install.code, 0, `npm ci --offline:\n${install.stdout}\n${install.stderr}`);
    t.regex(
      install.stdout + install.stderr,
      new RegExp(`slipway: native addon: prebuilds/${process.platform}-${process.arch}/slipway_native.node`),
      'the install script found the prebuilt addon',
    );

    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const version = run('npx', ['--offline', '--no-install', 'slipctl', '--version'], project);
    t.is(version.code, 0, version.stderr);
    t.is(version.stdout, `slipctl ${pkg.version} (control ABI 3)\n`);

    // types: an ES module and a CommonJS consumer, checked by tsc in node16 mode
    fs.writeFileSync(path.join(project, 'esm.mts'), ESM);
    fs.writeFileSync(path.join(project, 'cjs.cts'), CJS);
    const tsconfig = {
      compilerOptions: {
        module: 'node16',
        moduleResolution: 'node16',
        target: 'es2022',
        lib: ['es2022', 'esnext.disposable'],
        strict: true,
        typeRoots: [path.join(ROOT, 'node_modules', '@types')],
        types: ['node'],
        outDir: 'out',
        skipLibCheck: false,
      },
      files: ['esm.mts', 'cjs.cts'],
    };
    fs.writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const built = run(process.execPath, [tsc, '-p', '.'], project);
    t.is(built.code, 0, `tsc of the consumers:\n${built.stdout}`);
    fs.writeFileSync(path.join(project, 'wrong.mts'), WRONG);
    fs.writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        ...tsconfig,
        files: ['wrong.mts'],
        compilerOptions: { ...tsconfig.compilerOptions, noEmit: true },
      }),
    );
    const bad = run(process.execPath, [tsc, '-p', '.'], project);
    t.regex(
      bad.stdout,
      /wrong\.mts.*error TS2345: Argument of type 'number' is not assignable to parameter of type 'string'/,
    );

    const cjs = run(process.execPath, ['out/cjs.cjs'], project);
    t.is(cjs.code, 0, cjs.stderr);
    t.like(JSON.parse(cjs.stdout), { connect: 'function', candidates: 3 });

    // slipwayd: the binary option and SLIPWAYD are taken as given; else PATH; else the package's build dir
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    const tsx = require.resolve('tsx/cjs', { paths: [ROOT] });
    const fakeSlipwayd = path.join(bin, 'slipwayd');
    fs.writeFileSync(
      fakeSlipwayd,
      `#!/bin/sh\nexec "${process.execPath}" --require "${tsx}" "${path.join(__dirname, 'helpers', 'fake-slipwayd.ts')}" "$@"\n`,
      { mode: 0o755 },
    );
    const noDaemon = run(process.execPath, ['out/esm.mjs'], project, { PATH: '/usr/bin:/bin', SLIPWAYD: '' });
    t.is(noDaemon.code, 0, noDaemon.stderr);
    const lone = JSON.parse(noDaemon.stdout) as Record<string, unknown>;
    t.true(lone.sameInstance as boolean, 'import and require give the same module instance');
    t.deepEqual(lone.esmNames, lone.cjsNames, 'every export of the CommonJS API is a named ES export');
    t.true((lone.cjsNames as string[]).includes('connect'));
    t.is(lone.hidden, 'ERR_PACKAGE_PATH_NOT_EXPORTED', 'internals are not importable');
    t.is(
      lone.native,
      path.join(
        project,
        'node_modules',
        'slipway',
        'prebuilds',
        `${process.platform}-${process.arch}`,
        'slipway_native.node',
      ),
    );
    t.regex(lone.slipwayd as string, /slipwayd not found or not executable; looked at:/);
    t.regex(lone.slipwayd as string, /\/usr\/bin\/slipwayd \(PATH\)/);
    t.regex(
      lone.slipwayd as string,
      new RegExp(
        `${path.join(project, 'node_modules', 'slipway', 'build', 'dataplane', 'slipwayd')} \\(the package build directory\\)`,
      ),
    );
    const onPath = run(process.execPath, ['out/esm.mjs'], project, { PATH: `${bin}:/usr/bin:/bin`, SLIPWAYD: '' });
    t.is((JSON.parse(onPath.stdout) as { slipwayd: string }).slipwayd, fakeSlipwayd, 'found on PATH');
    const byEnv = run(process.execPath, ['out/esm.mjs'], project, {
      PATH: `${bin}:/usr/bin:/bin`,
      SLIPWAYD: '/opt/x/slipwayd',
    });
    t.regex(
      (JSON.parse(byEnv.stdout) as { slipwayd: string }).slipwayd,
      /looked at:\n {2}\/opt\/x\/slipwayd \(env SLIPWAYD\)\n/,
    );

    // the installed package launches (a stand-in slipwayd), talks to it and stops it
    const ctlDir = path.join(dir, 'run');
    const live = run(process.execPath, ['out/esm.mjs', fakeSlipwayd, ctlDir, path.join(dir, 'slipwayd.log')], project);
    t.is(live.code, 0, `${live.stderr}\n${live.stdout}`);
    t.like(JSON.parse(live.stdout.trim().split('\n').at(-1)!), { abi: 3, routes: 0, afterShutdown: 'NOT_RUNNING' });

    // the install script builds the addon from source when asked (node-gyp, offline)
    const rebuild = run('npm', ['rebuild', 'slipway', '--offline', '--foreground-scripts'], project, {
      SLIPWAY_BUILD_FROM_SOURCE: '1',
    });
    t.is(rebuild.code, 0, `npm rebuild:\n${rebuild.stdout}\n${rebuild.stderr}`);
    t.regex(rebuild.stdout + rebuild.stderr, /slipway: native addon: native\/build\/Release\/slipway_native\.node/);
    const fromSource = run(process.execPath, ['out/esm.mjs'], project);
    t.is(
      (JSON.parse(fromSource.stdout) as { native: string }).native,
      path.join(project, 'node_modules', 'slipway', 'native', 'build', 'Release', 'slipway_native.node'),
      'the addon built from source is the one loaded',
    );
  },
);
