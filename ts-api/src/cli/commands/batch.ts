/*
 * slipctl batch FILE: many cross-connect changes as one batch, one line each:
 *   xconnect add IN OUT | xconnect del IN     (# comments and blank lines ignored)
 * FILE "-" reads stdin. Every line gets its own status; exit 1 if any failed,
 * 2 for a malformed line (nothing is sent then).
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { Op, ports, xconnects } from '../../wire';
import { globals, withSlipway } from '../context';
import { UsageError } from '../errors';
import { print, printJson } from '../output';
import { parsePort } from '../parse';

interface Line {
  line: number;
  text: string;
  op: number;
  payload: Uint8Array;
}

function parseLines(text: string, file: string): Line[] {
  const out: Line[] = [];
  text.split('\n').forEach((raw, i) => {
    const s = raw.replace(/#.*/, '').trim();
    if (s === '') {
      return;
    }

    const w = s.split(/\s+/);
    const where = `${file}:${i + 1}`;
    try {
      if (w[0] === 'xconnect' && w[1] === 'add' && w.length === 4) {
        out.push({
          line: i + 1,
          text: s,
          op: Op.XC_ADD,
          payload: xconnects.encodeXConnect({ inPort: parsePort(w[2]!), outPort: parsePort(w[3]!) }),
        });
      } else if (w[0] === 'xconnect' && (w[1] === 'del' || w[1] === 'remove') && w.length === 3) {
        out.push({ line: i + 1, text: s, op: Op.XC_DEL, payload: ports.encodePortRef(parsePort(w[2]!)) });
      } else {
        throw new Error('expected "xconnect add IN OUT" or "xconnect del IN"');
      }
    } catch (error) {
      throw new UsageError(`${where}: ${JSON.stringify(s)}: ${(error as Error).message}`);
    }
  });
  return out;
}

export function batchCommand(): Command {
  return new Command('batch')
    .description('apply many changes from FILE (one per line: "xconnect add IN OUT", "xconnect del IN") as one batch')
    .argument('<file>', 'the change list, - for stdin')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const g = globals(cmd);
      const lines = parseLines(readFileSync(file === '-' ? 0 : file, 'utf8'), file === '-' ? 'stdin' : file);
      const t0 = performance.now();
      const result = await withSlipway(g, async (sw) =>
        sw.requestBatch(lines.map((l) => ({ op: l.op, payload: l.payload }))),
      );
      const ms = performance.now() - t0;
      const failures = result.failures().map((f) => ({
        line: lines[f.index]!.line,
        text: lines[f.index]!.text,
        code: f.error.code,
        error: f.error.message,
      }));
      if (g.json) {
        printJson({ total: lines.length, ok: lines.length - failures.length, failed: failures.length, ms, failures });
      } else {
        print(`${lines.length - failures.length}/${lines.length} changes applied in ${ms.toFixed(1)} ms`);
        for (const f of failures) {
          print(`line ${f.line}: ${f.text}: ${f.error} (${f.code})`);
        }
      }

      result.throwIfFailed(); // exit code 1, the failures on stderr
    });
}
