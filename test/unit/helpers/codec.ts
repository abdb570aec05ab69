/**
 * The message codecs the unit tests use, in one namespace (as `codec`):
 * framing, the session and port/cross-connect codecs, and the events.
 */
export * from '../../../ts-api/src/wire/message';
export * from '../../../ts-api/src/codec/common';
export * from '../../../ts-api/src/codec/session';
export * from '../../../ts-api/src/codec/ports';
export * from '../../../ts-api/src/codec/xconnects';
export * from '../../../ts-api/src/events';
