#!/usr/bin/env node
/*
 * The package's install script (package.json "install"), and its prepack
 * step (`--prebuild`).
 *
 * install: keeps an addon that loads (one built before, or the prebuilt one
 * the package ships for this platform in prebuilds/<platform>-<arch>/) and
 * builds one from native/ with node-gyp otherwise; `npm install
 * --build-from-source` or SLIPWAY_BUILD_FROM_SOURCE=1 always builds.
 * The places tried are those of ts-api/src/native.ts (nativeCandidates),
 * minus SLIPWAY_NATIVE: this script runs before any TypeScript is built.
 *
 * --prebuild: copies native/build/Release/slipway_native.node to
 * prebuilds/<platform>-<arch>/ (npm pack ships it). The addon uses N-API 8
 * only, so one build serves every Node version from 12.22 on.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const release = path.join(root, 'native', 'build', 'Release', 'slipway_native.node');
const prebuilt = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'slipway_native.node');

function say(msg) {
  process.stderr.write(`slipway: ${msg}\n`);
}

function loads(file) {
  if (!fs.existsSync(file)) return false;
  try {
    require(file);
    return true;
  } catch (e) {
    say(`${file} does not load: ${e.message}`);
    return false;
  }
}

function nodeGyp(args) {
  // npm hands its own node-gyp to lifecycle scripts (npm_config_node_gyp, and on PATH)
  const js = process.env.npm_config_node_gyp;
  const [cmd, argv] = js ? [process.execPath, [js, ...args]] : ['node-gyp', args];
  const r = spawnSync(cmd, argv, { cwd: path.join(root, 'native'), stdio: 'inherit' });
  if (r.error) throw new Error(`cannot run node-gyp: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`node-gyp ${args.join(' ')} failed with exit code ${r.status}`);
}

function install() {
  const fromSource =
    /^(1|true)$/i.test(process.env.SLIPWAY_BUILD_FROM_SOURCE ?? '') ||
    /^(1|true)$/i.test(process.env.npm_config_build_from_source ?? '');
  if (!fromSource) {
    const found = [release, path.join(root, 'native', 'build', 'Debug', 'slipway_native.node'), prebuilt].find(loads);
    if (found) {
      say(`native addon: ${path.relative(root, found)}`);
      return;
    }
  }
  say('building the native addon with node-gyp (needs a C++ compiler, make and python3)');
  nodeGyp(['rebuild']);
  if (!loads(release)) throw new Error(`node-gyp left no loadable addon at ${release}`);
  say(`native addon: ${path.relative(root, release)}`);
}

function prebuild() {
  if (!loads(release)) throw new Error(`no addon to ship at ${release}: run \`npm run build:native\` first`);
  fs.mkdirSync(path.dirname(prebuilt), { recursive: true });
  fs.copyFileSync(release, prebuilt);
  say(`prebuilt addon for ${process.platform}-${process.arch}: ${path.relative(root, prebuilt)}`);
}

try {
  if (process.argv.includes('--prebuild')) prebuild();
  else install();
} catch (e) {
  say(e.message);
  process.exitCode = 1;
}
