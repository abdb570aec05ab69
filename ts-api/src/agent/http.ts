/**
 * The agent's HTTP endpoint: GET /metrics (Prometheus text format) and
 * GET /health (200 while the dataplane is up, 503 otherwise; a JSON body
 * says why).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { check } from '../errors';

/** Where to listen: `[HOST:]PORT` (IPv6 hosts in brackets); no host: every address. */
export function parseListen(s: string): { host?: string; port: number } {
  const m = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):)?(\d+)$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  check(
    m !== null && Number.isInteger(port) && port >= 0 && port <= 65535,
    `bad listen address ${JSON.stringify(s)}: expected [HOST:]PORT, e.g. :9469 or 127.0.0.1:9469`,
  );
  const host = m[1] ?? (m[2] || undefined);
  return host === undefined ? { port } : { host, port };
}

export interface Health {
  up: boolean;
  [k: string]: unknown;
}

/** Serves /metrics and /health; resolves once listening. */
export async function serveMetrics(
  listen: { host?: string; port: number },
  registry: Registry,
  health: () => Health,
): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (url === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
        (e: Error) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${e.message}\n`),
      );
      return;
    }
    if (url === '/health') {
      const h = health();
      res.writeHead(h.up ? 200 : 503, { 'Content-Type': 'application/json' }).end(JSON.stringify(h) + '\n');
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: try /metrics or /health\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

/** The port a server listens on (when it was asked for port 0). */
export function listeningPort(s: http.Server): number {
  return (s.address() as AddressInfo).port;
}
