/** The ES module entry point of `slipway/wire`: the CommonJS wire API of index.ts re-exported (one instance for both). */
export * from './index.js';
