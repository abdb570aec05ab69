/**
 * Internal entry points into a Slipway, outside the public API (index.ts
 * does not export this module): what launch() hands over, and the raw
 * batch path the control benchmark and the batching tests drive.
 */
import type { ChildProcess } from 'node:child_process';
import type { BatchSource } from '../wire/batch';
import { XcChurnSource } from '../codec/xconnects';
import type { BatchResult } from './batch';
import { type Slipway, connectionOf } from './slipway';

/** launch(): the spawned dataplane (unref'd when the client closes) and what its command line configured. */
export function adoptLaunched(sw: Slipway, child: ChildProcess, ports: readonly string[], kernelSync: boolean): void {
  const conn = connectionOf(sw);
  conn.child = child;
  ports.forEach((d, i) => conn.desired?.portAdded(i, d));
  if (kernelSync) conn.desired?.kernelSyncSet(true);
}

/** Sends a batch from any source (not recorded for replay). */
export function sendBatch(sw: Slipway, src: BatchSource, timeoutMs?: number): Promise<BatchResult> {
  return connectionOf(sw).transport.sendBatch(src, { timeoutMs });
}

/**
 * `count` cross-connect updates alternating add inPort->outPort and remove
 * inPort, as one batch (the table ends as it started when count is even).
 * A load generator; not recorded for replay.
 */
export function churn(sw: Slipway, count: number, inPort: number, outPort: number): Promise<BatchResult> {
  return sendBatch(sw, new XcChurnSource(count, inPort, outPort));
}
