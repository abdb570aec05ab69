/**
 * Readiness for systemd (Type=notify): when NOTIFY_SOCKET is set, the
 * agent runs `systemd-notify` with the state (READY=1, RELOADING=1,
 * STOPPING=1, STATUS=...). The message comes from that child process, so
 * the unit needs NotifyAccess=all (examples/systemd/slipway-agent@.service).
 */
import { execFile } from 'node:child_process';
import type { Logger } from '../logger';

/** Sends `vars` (e.g. ['READY=1', 'STATUS=up']) to systemd; no-op without NOTIFY_SOCKET. */
export function sdNotify(vars: string[], log?: Logger, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!env.NOTIFY_SOCKET) return Promise.resolve();
  return new Promise((resolve) => {
    execFile('systemd-notify', [`--pid=${process.pid}`, ...vars], { env, timeout: 5000 }, (e) => {
      if (e) log?.warn(`systemd-notify ${vars.join(' ')} failed: ${e.message}`);
      resolve();
    });
  });
}
