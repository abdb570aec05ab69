/**
 * The table codecs the unit tests use, in one namespace (as `tables`):
 * routes, neighbours, rules, listings and IP protocols.
 */
export { type ListPage, encodeListReq, decodeListReq } from '../../../ts-api/src/codec/common';
export { PROTOCOLS, parseProto } from '../../../ts-api/src/codec/ip';
export * from '../../../ts-api/src/codec/routes';
export * from '../../../ts-api/src/codec/neighbours';
export * from '../../../ts-api/src/codec/rules';
