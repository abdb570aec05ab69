/*
 * The baseline transport of the control benchmark: a TypeScript client of
 * slipwayd's --json-socket (newline-delimited JSON over a Unix stream
 * socket, node:net). Requests carry a seq; responses come back in order.
 * Written the way a careful user would: one socket, no per-request timers,
 * lines split by hand, JSON.parse per response.
 */
import { connect, type Socket } from 'node:net';

export interface JsonResponse {
  seq: number;
  status: string;
  error?: string;
  [k: string]: unknown;
}

export class JsonClient {
  private buf = '';
  private seq = 1;
  private readonly waiters: Array<(r: JsonResponse) => void> = [];

  private constructor(private readonly sock: Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => this.onData(d));
  }

  /** Connects to the socket at `path`. */
  static open(path: string): Promise<JsonClient> {
    return new Promise((resolve, reject) => {
      const s = connect(path);
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new JsonClient(s));
      });
    });
  }

  private onData(d: string): void {
    this.buf += d;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      const w = this.waiters.shift();
      if (!w) throw new Error(`json socket: unsolicited response ${line}`);
      w(JSON.parse(line) as JsonResponse);
    }
  }

  /** One request, one awaited response. */
  request(op: string, args: Record<string, number> = {}): Promise<JsonResponse> {
    const seq = this.seq++;
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.sock.write(JSON.stringify({ seq, op, ...args }) + '\n');
    });
  }

  /**
   * `count` requests alternating xc_add in->out and xc_del in, pipelined
   * with at most `window` in flight; resolves with the number of non-OK
   * responses.
   */
  async churn(count: number, inPort: number, outPort: number, window = 4096): Promise<number> {
    let sent = 0;
    let failed = 0;
    let done = 0;
    await new Promise<void>((resolve, reject) => {
      const onResp = (r: JsonResponse) => {
        if (r.status !== 'OK') failed++;
        if (++done === count) resolve();
        else if (sent < count && sent - done <= window / 2) pump();
      };

      const pump = () => {
        const lines: string[] = [];
        while (sent < count && sent - done < window) {
          const seq = this.seq++;
          lines.push(
            sent % 2 === 0
              ? `{"seq":${seq},"op":"xc_add","in":${inPort},"out":${outPort}}`
              : `{"seq":${seq},"op":"xc_del","in":${inPort}}`,
          );
          this.waiters.push(onResp);
          sent++;
        }

        if (lines.length > 0) this.sock.write(lines.join('\n') + '\n');
      };

      this.sock.once('error', reject);
      pump();
    });
    return failed;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.sock.end(resolve));
  }
}
