/**
 * Response statuses (SW_STATUS_LIST in slipway_ctl.h), in order: index ==
 * status value. Everything but OK carries a UTF-8 message as payload.
 *
 * A leaf: errors.ts maps these names to error codes.
 */
export const STATUS_LIST = [
  { name: 'OK', value: 0, desc: 'success' },
  { name: 'MALFORMED', value: 1, desc: 'malformed request' },
  { name: 'UNKNOWN_OP', value: 2, desc: 'unknown operation' },
  { name: 'NO_PORT', value: 3, desc: 'no such port' },
  { name: 'INVALID', value: 4, desc: 'invalid argument' },
  { name: 'RANGE', value: 5, desc: 'value out of range' },
  { name: 'EXISTS', value: 6, desc: 'already exists' },
  { name: 'NOT_FOUND', value: 7, desc: 'not found' },
  { name: 'NO_SPACE', value: 8, desc: 'no space left' },
  { name: 'BUSY', value: 9, desc: 'busy' },
  { name: 'DEVICE', value: 10, desc: 'device refused the operation' },
  { name: 'STATE', value: 11, desc: 'wrong state' },
] as const;
export type StatusName = (typeof STATUS_LIST)[number]['name'];
/** Status names indexed by value. */
export const STATUS_NAMES: readonly StatusName[] = STATUS_LIST.map((s) => s.name);
export const STATUS_OK = 0;
