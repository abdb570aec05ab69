/*
 * slipctl batch FILE: many changes as one batch, one per line, in the words
 * of the commands that make them one at a time:
 *
 *   xconnect add IN OUT            xconnect del IN
 *   route add PREFIX via PORT[:GW] [via PORT[:GW]]... | local | drop
 *   route del PREFIX
 *   neigh add PORT IP MAC          neigh del PORT IP
 *   rule add ID --priority N --action A [match options of `rule add`]
 *   rule del ID
 *
 * `#` starts a comment; blank lines are ignored; FILE "-" reads stdin.
 * Every line is checked before connecting (a bad one: exit 2, nothing is
 * sent, the error names FILE:LINE); then all go as one batch, in order,
 * each with its own status: exit 1 if any failed.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { SlipwayError } from '../../index';
import { Op, neighbours, ports, routes, rules, xconnects } from '../../wire';
import { globals, withSlipway } from '../context';
import { UsageError } from '../errors';
import { print, printJson } from '../output';
import { parseIntArg, parsePort, portNumber } from '../parse';
import { parseRouteWords } from './route/words';
import { ruleFromWords } from './rule/add';

interface Line {
  line: number;
  text: string;
  op: number;
  payload: Uint8Array;
}

const FORMS = [
  'xconnect add IN OUT',
  'xconnect del IN',
  'route add PREFIX via PORT[:GW]... | local | drop',
  'route del PREFIX',
  'neigh add PORT IP MAC',
  'neigh del PORT IP',
  'rule add ID --priority N --action A [match options]',
  'rule del ID',
];

const parseId = parseIntArg(0, 0xffffffff);

/** One line's request: its op and encoded payload (the library's own checks: BAD_ARGUMENT). */
function request(w: string[]): { op: number; payload: Uint8Array } {
  const [what, verb] = w;
  const del = verb === 'del' || verb === 'remove';
  const n = w.length;
  if (what === 'xconnect' && verb === 'add' && n === 4) {
    return {
      op: Op.XC_ADD,
      payload: xconnects.encodeXConnect({ inPort: parsePort(w[2]!), outPort: parsePort(w[3]!) }),
    };
  }
  if (what === 'xconnect' && del && n === 3) return { op: Op.XC_DEL, payload: ports.encodePortRef(parsePort(w[2]!)) };
  if (what === 'route' && verb === 'add' && n >= 4) {
    return { op: Op.ROUTE_ADD, payload: routes.encodeRoute(parseRouteWords(w[2]!, w.slice(3))) };
  }
  if (what === 'route' && del && n === 3) return { op: Op.ROUTE_DEL, payload: routes.encodeRouteDel(w[2]!) };
  if (what === 'neigh' && verb === 'add' && n === 5) {
    const port = portNumber(w[2]!, 'neighbour port');
    return { op: Op.NEIGH_ADD, payload: neighbours.encodeNeighbour({ port, ip: w[3]!, mac: w[4]! }) };
  }
  if (what === 'neigh' && del && n === 4) {
    const port = portNumber(w[2]!, 'neighbour port');
    return { op: Op.NEIGH_DEL, payload: neighbours.encodeNeighbourDel({ port, ip: w[3]! }) };
  }
  if (what === 'rule' && verb === 'add' && n >= 3) {
    return { op: Op.RULE_ADD, payload: rules.encodeRule(ruleFromWords(w.slice(2))) };
  }
  if (what === 'rule' && del && n === 3) {
    return { op: Op.RULE_DEL, payload: new rules.RuleSource([parseId(w[2]!)], true, true).encode() };
  }
  throw new UsageError(`expected one of: ${FORMS.map((f) => `"${f}"`).join(', ')}`);
}

/** Every line of `text`, parsed and encoded; UsageError naming FILE:LINE for the first bad one. */
export function parseBatch(text: string, file: string): Line[] {
  const out: Line[] = [];
  const all = text.split('\n');
  for (let i = 0; i < all.length; i++) {
    const s = all[i]!.replace(/#.*/, '').trim();
    if (s === '') continue;
    try {
      out.push({ line: i + 1, text: s, ...request(s.split(/\s+/)) });
    } catch (error) {
      const why =
        error instanceof SlipwayError || error instanceof UsageError || error instanceof Error
          ? error.message
          : String(error);
      throw new UsageError(`${file}:${i + 1}: ${JSON.stringify(s)}: ${why}`);
    }
  }
  return out;
}

function readInput(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file === '-' ? 'stdin' : file}: ${(error as Error).message}`);
  }
}

export function batchCommand(): Command {
  return new Command('batch')
    .description(
      'apply many changes from FILE as one batch, one per line: xconnect, route, neigh and rule add/del lines in the words of those commands',
    )
    .argument('<file>', 'the change list, - for stdin')
    .addHelpText(
      'after',
      `\nLine forms:\n${FORMS.map((f) => `  ${f}`).join('\n')}\n# comments and blank lines are ignored`,
    )
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const g = globals(cmd);
      const lines = parseBatch(readInput(file), file === '-' ? 'stdin' : file);
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
