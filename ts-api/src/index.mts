/**
 * The ES module entry point of `slipway` (the `import` condition of the
 * package's exports map): the CommonJS API of index.ts re-exported, so
 * `import { connect } from 'slipway'` and `require('slipway')` share one
 * module instance (one exit hook, one addon load, one SlipwayError class).
 */
export * from './index.js';
