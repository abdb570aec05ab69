/**
 * Captures, traces and explain: the codecs of capture.ts (TAP_START, tap
 * info, capture records, drop reasons, the TAP_END event) and trace.ts
 * (trace records, TRACE_READ, EXPLAIN) under one name.
 */
export * from './capture';
export * from './trace';
