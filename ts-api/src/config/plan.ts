/**
 * The difference between the running configuration and a file's: a plan of
 * changes, each with how to make it and how to undo it, in phases whose
 * steps are independent of each other (config/apply.ts runs a phase's
 * steps pipelined, the phases in order).
 *
 * Order: ports added, stopped and set first; then removals (rules,
 * neighbours, routes, cross-connects) so that a changed entry never
 * collides with its old self; then additions and replacements
 * (cross-connects, routes, then neighbours, so that a neighbour installs its
 * host route only where no route was configured, then rules); the punt
 * policer (defaults first: setting them sets every port, so the per-port
 * rates follow); ports started; kernel sync last (what the API set is in
 * place first, and wins).
 *
 * What cannot be done live is refused before anything changes: a running
 * port missing from the file or added with other devargs (ports cannot be
 * removed or replaced without a restart), an MTU beyond a running port's
 * limits.
 */
import type { Slipway } from '../client/slipway';
import type { Neighbour } from '../codec/neighbours';
import { type PolicerRate, PUNT_CLASS_NAMES, type PuntClassName } from '../codec/policer';
import type { PortSettings } from '../codec/ports';
import type { Rule } from '../codec/rules';
import { SlipwayError } from '../errors';
import { ConfigError, type ConfigIssue } from './issues';
import {
  type ConfigState,
  type PolicerClasses,
  type RouteEntry,
  type RunningState,
  routeSpec,
  sameRate,
  sameRoute,
  sameRule,
} from './state';

/** One change, as --dry-run shows it and --json prints it. */
export interface Change {
  action: 'add' | 'remove' | 'change';
  kind: 'port' | 'xconnect' | 'route' | 'neighbour' | 'rule' | 'policer' | 'kernel-sync';
  /** what it is about: "port 1", "route 10.2.0.0/24", "policer port 0 arp" */
  item: string;
  /** one line: what changes */
  text: string;
  before?: unknown;
  after?: unknown;
}

/** How to make a change and undo it. */
export interface Step {
  change: Change;
  run(sw: Slipway): Promise<void>;
  /** undefined: cannot be undone (`note` says what stays) */
  undo?: (sw: Slipway) => Promise<void>;
  /** what a rollback leaves behind when undo cannot fully undo */
  note?: string;
}

/** Steps that do not depend on each other. */
export interface Phase {
  name: string;
  steps: Step[];
}

export interface Plan {
  phases: Phase[];
  /** every change, in the order it is made */
  readonly changes: Change[];
}

/* ---------------- text ---------------- */

const onOff = (b: boolean | undefined) => (b ? 'on' : 'off');

function viaText(r: RouteEntry): string {
  if (r.type !== 'forward') return r.type;
  return 'via ' + r.via.map((h) => (h.gw === undefined ? `${h.port}` : `${h.port}:${h.gw}`)).join(' ');
}

function rateText(r: PolicerRate | undefined): string {
  if (r === undefined) return '-';
  return r.ratePps === 0 ? 'no limit' : `${r.ratePps}/s burst ${r.burst}`;
}

function ruleText(r: Rule): string {
  const m = JSON.stringify(r.match);
  const a = r.action.type + ('port' in r.action && r.action.port !== undefined ? ` ${r.action.port}` : '');
  return `priority ${r.priority}, ${a}${m === '{}' ? '' : ` when ${m}`}`;
}

function settingsText(s: PortSettings, old?: PortSettings): string {
  const parts: string[] = [];
  for (const k of ['mtu', 'mac', 'promisc'] as const) {
    if (s[k] === undefined) continue;
    const v = (x: unknown) => (k === 'promisc' ? onOff(x as boolean) : String(x));
    parts.push(old ? `${k} ${v(old[k])} -> ${v(s[k])}` : `${k} ${v(s[k])}`);
  }
  return parts.join(', ');
}

/* ---------------- the plan ---------------- */

function step(change: Change, run: Step['run'], undo?: Step['undo'], note?: string): Step {
  return { change, run, undo, note };
}

/**
 * The plan that makes `running` what `desired` says; ConfigError (source
 * `source`) when that cannot be done live. An empty plan: nothing differs.
 */
export function makePlan(running: RunningState, desired: ConfigState, source = 'configuration'): Plan {
  const issues: ConfigIssue[] = [];
  const nRunning = running.ports.length;
  running.ports.forEach((p, i) => {
    const want = desired.ports[i];
    if (!want) {
      issues.push({
        path: ['ports'],
        message: `port ${i} (${p.devargs}) is running but not in the file: ports cannot be removed without a restart`,
      });
    } else if (want.devargs !== p.devargs) {
      issues.push({
        path: ['ports', i, 'devargs'],
        message: `port ${i} runs with devargs ${JSON.stringify(p.devargs)}: it cannot be replaced without a restart`,
      });
    } else if (want.mtu !== undefined && (want.mtu < p.minMtu || want.mtu > p.maxMtu)) {
      issues.push({
        path: ['ports', i, 'mtu'],
        message: `must be ${p.minMtu}..${p.maxMtu} for port ${i} (${p.name})`,
      });
    }
  });
  if (issues.length > 0) throw new ConfigError(source, issues);

  const phases: Phase[] = [];
  const phase = (name: string, steps: Step[]) => {
    if (steps.length > 0) phases.push({ name, steps });
  };

  /* ports added (a port added starts; its settings and run state follow) */
  const added: Step[] = [];
  for (let i = nRunning; i < desired.ports.length; i++) {
    const want = desired.ports[i];
    const s: PortSettings = { mtu: want.mtu, mac: want.mac, promisc: want.promisc };
    const set = settingsText(s);
    added.push(
      step(
        {
          action: 'add',
          kind: 'port',
          item: `port ${i}`,
          text: `${want.devargs}${set ? ` (${set})` : ''}`,
          after: { devargs: want.devargs, ...s },
        },
        async (sw) => {
          const info = await sw.ports.add(want.devargs);
          if (info.port !== i)
            throw new SlipwayError('STATE', `port ${want.devargs} was added as port ${info.port}, not ${i}`);
          if (set) await sw.ports.set(i, s);
        },
        async (sw) => {
          await sw.ports.stop(i);
        },
        `port ${i} (${want.devargs}) stays, stopped: ports cannot be removed live`,
      ),
    );
  }
  // one at a time: each takes the next index
  for (const s of added) phase('add port', [s]);

  /* ports stopped, ports set */
  const stop: Step[] = [];
  const settings: Step[] = [];
  running.ports.forEach((p, i) => {
    const want = desired.ports[i];
    if (want.started === false && p.started)
      stop.push(
        step(
          {
            action: 'change',
            kind: 'port',
            item: `port ${i}`,
            text: 'stop',
            before: { started: true },
            after: { started: false },
          },
          async (sw) => void (await sw.ports.stop(i)),
          async (sw) => void (await sw.ports.start(i)),
        ),
      );
    const s: PortSettings = {};
    const old: PortSettings = {};
    if (want.mtu !== undefined && want.mtu !== p.mtu) [s.mtu, old.mtu] = [want.mtu, p.mtu];
    if (want.mac !== undefined && want.mac !== p.mac) [s.mac, old.mac] = [want.mac, p.mac];
    if (want.promisc !== undefined && want.promisc !== p.promisc) [s.promisc, old.promisc] = [want.promisc, p.promisc];
    if (Object.keys(s).length > 0)
      settings.push(
        step(
          { action: 'change', kind: 'port', item: `port ${i}`, text: settingsText(s, old), before: old, after: s },
          async (sw) => void (await sw.ports.set(i, s)),
          async (sw) => void (await sw.ports.set(i, old)),
        ),
      );
  });
  phase('stop ports', stop);
  phase('port settings', settings);

  /* tables: removals, then additions and replacements */
  const rules = diffMap(running.rules, desired.rules, sameRule);
  const neighbours = diffMap(running.neighbours, desired.neighbours, (a, b) => a.mac === b.mac);
  const routes = diffMap(running.routes, desired.routes, sameRoute);
  const xconnects = diffMap(running.xconnects, desired.xconnects, (a, b) => a === b);

  phase(
    'remove rules',
    rules.removed.map(([id, r]) =>
      step(
        { action: 'remove', kind: 'rule', item: `rule ${id}`, text: ruleText(r), before: r },
        async (sw) => sw.rules.remove(id),
        async (sw) => sw.rules.add(r),
      ),
    ),
  );
  phase(
    'remove neighbours',
    neighbours.removed.map(([, n]) =>
      step(
        { action: 'remove', kind: 'neighbour', item: neighbourItem(n), text: n.mac, before: n },
        async (sw) => sw.neighbours.remove({ port: n.port, ip: n.ip }),
        async (sw) => sw.neighbours.add(n),
      ),
    ),
  );
  phase(
    'remove routes',
    routes.removed.map(([prefix, r]) =>
      step(
        { action: 'remove', kind: 'route', item: `route ${prefix}`, text: viaText(r), before: routeSpec(r) },
        async (sw) => sw.routes.remove(prefix),
        async (sw) => sw.routes.add(routeSpec(r)),
      ),
    ),
  );
  // a changed cross-connect is removed, then added (the dataplane refuses to move one in place)
  phase(
    'remove cross-connects',
    [...xconnects.removed, ...xconnects.changed.map(([k, a]) => [k, a] as [number, number])].map(([inPort, outPort]) =>
      step(
        {
          action: 'remove',
          kind: 'xconnect',
          item: `xconnect ${inPort}`,
          text: `${inPort} -> ${outPort}`,
          before: { inPort, outPort },
        },
        async (sw) => sw.xconnects.remove(inPort),
        async (sw) => sw.xconnects.add(inPort, outPort),
      ),
    ),
  );
  phase(
    'add cross-connects',
    [...xconnects.added, ...xconnects.changed.map(([k, , b]) => [k, b] as [number, number])].map(([inPort, outPort]) =>
      step(
        {
          action: 'add',
          kind: 'xconnect',
          item: `xconnect ${inPort}`,
          text: `${inPort} -> ${outPort}`,
          after: { inPort, outPort },
        },
        async (sw) => sw.xconnects.add(inPort, outPort),
        async (sw) => sw.xconnects.remove(inPort),
      ),
    ),
  );
  phase('add routes', [
    ...routes.added.map(([prefix, r]) =>
      step(
        { action: 'add', kind: 'route', item: `route ${prefix}`, text: viaText(r), after: routeSpec(r) },
        async (sw) => sw.routes.add(routeSpec(r)),
        async (sw) => sw.routes.remove(prefix),
      ),
    ),
    ...routes.changed.map(([prefix, a, b]) =>
      step(
        {
          action: 'change',
          kind: 'route',
          item: `route ${prefix}`,
          text: `${viaText(a)} -> ${viaText(b)}`,
          before: routeSpec(a),
          after: routeSpec(b),
        },
        async (sw) => sw.routes.add(routeSpec(b)),
        async (sw) => sw.routes.add(routeSpec(a)),
      ),
    ),
  ]);
  phase('add neighbours', [
    ...neighbours.added.map(([, n]) =>
      step(
        { action: 'add', kind: 'neighbour', item: neighbourItem(n), text: n.mac, after: n },
        async (sw) => sw.neighbours.add(n),
        async (sw) => sw.neighbours.remove({ port: n.port, ip: n.ip }),
      ),
    ),
    ...neighbours.changed.map(([, a, b]) =>
      step(
        {
          action: 'change',
          kind: 'neighbour',
          item: neighbourItem(b),
          text: `${a.mac} -> ${b.mac}`,
          before: a,
          after: b,
        },
        async (sw) => sw.neighbours.add(b),
        async (sw) => sw.neighbours.add(a),
      ),
    ),
  ]);
  phase('add rules', [
    ...rules.added.map(([id, r]) =>
      step(
        { action: 'add', kind: 'rule', item: `rule ${id}`, text: ruleText(r), after: r },
        async (sw) => sw.rules.add(r),
        async (sw) => sw.rules.remove(id),
      ),
    ),
    ...rules.changed.map(([id, a, b]) =>
      step(
        {
          action: 'change',
          kind: 'rule',
          item: `rule ${id}`,
          text: `${ruleText(a)} -> ${ruleText(b)}`,
          before: a,
          after: b,
        },
        async (sw) => sw.rules.add(b),
        async (sw) => sw.rules.add(a),
      ),
    ),
  ]);

  /* the punt policer: the defaults (which set every port too), then each port */
  const portRates: PolicerClasses[] = desired.ports.map((_, i) => ({
    ...(running.ports[i]?.policer ?? running.policer),
  }));
  for (const k of PUNT_CLASS_NAMES) {
    const want = desired.policer[k];
    const was = running.policer[k];
    if (want === undefined || sameRate(want, was)) continue;
    const before = portRates.map((r) => r[k]);
    phase('policer defaults', [
      step(
        {
          action: 'change',
          kind: 'policer',
          item: `policer defaults ${k}`,
          text: `${rateText(was)} -> ${rateText(want)}`,
          before: was,
          after: want,
        },
        async (sw) => void (await sw.policer.set({ class: k, ratePps: want.ratePps, burst: want.burst })),
        async (sw) => {
          await sw.policer.set({ class: k, ratePps: was!.ratePps, burst: was!.burst });
          for (let i = 0; i < before.length; i++) {
            const b = before[i];
            if (b && !sameRate(b, was)) await sw.policer.set({ port: i, class: k, ratePps: b.ratePps, burst: b.burst });
          }
        },
      ),
    ]);
    for (const r of portRates) r[k] = want;
  }
  const portPolicer: Step[] = [];
  desired.ports.forEach((p, i) => {
    for (const k of PUNT_CLASS_NAMES) {
      const want = p.policer[k];
      const was = portRates[i][k];
      if (want === undefined || sameRate(want, was)) continue;
      portPolicer.push(policerStep(i, k, was, want));
    }
  });
  phase('port policers', portPolicer);

  /* ports started (and the run state of ports added) */
  const start: Step[] = [];
  desired.ports.forEach((want, i) => {
    if (i < nRunning) {
      if (want.started === true && !running.ports[i].started)
        start.push(
          step(
            {
              action: 'change',
              kind: 'port',
              item: `port ${i}`,
              text: 'start',
              before: { started: false },
              after: { started: true },
            },
            async (sw) => void (await sw.ports.start(i)),
            async (sw) => void (await sw.ports.stop(i)),
          ),
        );
    } else if (want.started !== undefined) {
      start.push(
        step(
          {
            action: 'change',
            kind: 'port',
            item: `port ${i}`,
            text: want.started ? 'start' : 'stop',
            after: { started: want.started },
          },
          async (sw) => {
            const info = await sw.ports.get(i);
            if (info.started !== want.started) await (want.started ? sw.ports.start(i) : sw.ports.stop(i));
          },
          async (sw) => void (await sw.ports.stop(i)),
        ),
      );
    }
  });
  phase('start ports', start);

  /* kernel sync */
  if (desired.kernelSync !== undefined && desired.kernelSync !== running.kernelSync) {
    const on = desired.kernelSync;
    phase('kernel sync', [
      step(
        {
          action: 'change',
          kind: 'kernel-sync',
          item: 'kernel sync',
          text: `${onOff(!on)} -> ${onOff(on)}`,
          before: !on,
          after: on,
        },
        async (sw) => void (await sw.kernelSync.set(on)),
        async (sw) => void (await sw.kernelSync.set(!on)),
      ),
    ]);
  }

  return {
    phases,
    get changes() {
      return phases.flatMap((p) => p.steps.map((s) => s.change));
    },
  };
}

function policerStep(port: number, k: PuntClassName, was: PolicerRate | undefined, want: PolicerRate): Step {
  return step(
    {
      action: 'change',
      kind: 'policer',
      item: `policer port ${port} ${k}`,
      text: `${rateText(was)} -> ${rateText(want)}`,
      before: was,
      after: want,
    },
    async (sw) => void (await sw.policer.set({ port, class: k, ratePps: want.ratePps, burst: want.burst })),
    was === undefined
      ? undefined
      : async (sw) => void (await sw.policer.set({ port, class: k, ratePps: was.ratePps, burst: was.burst })),
  );
}

function neighbourItem(n: Neighbour): string {
  return `neighbour ${n.ip} on port ${n.port}`;
}

/** Entries only in `want` (added), only in `have` (removed), in both but different (changed: [key, have, want]). */
function diffMap<K, V>(
  have: Map<K, V>,
  want: Map<K, V>,
  same: (a: V, b: V) => boolean,
): { added: [K, V][]; removed: [K, V][]; changed: [K, V, V][] } {
  const added: [K, V][] = [];
  const removed: [K, V][] = [];
  const changed: [K, V, V][] = [];
  for (const [k, v] of want) {
    const h = have.get(k);
    if (h === undefined) added.push([k, v]);
    else if (!same(h, v)) changed.push([k, h, v]);
  }
  for (const [k, v] of have) if (!want.has(k)) removed.push([k, v]);
  return { added, removed, changed };
}

/** Counts of a plan's changes by action. */
export function planSummary(p: Plan): { added: number; removed: number; changed: number; total: number } {
  const c = p.changes;
  const n = (a: Change['action']) => c.filter((x) => x.action === a).length;
  return { added: n('add'), removed: n('remove'), changed: n('change'), total: c.length };
}

/**
 * The plan as --dry-run prints it: one change a line (`+` add, `-` remove,
 * `~` change), then the counts; `done` words them as made.
 */
export function renderPlan(p: Plan, done = false): string {
  const c = p.changes;
  if (c.length === 0) return 'no changes\n';
  const mark = { add: '+', remove: '-', change: '~' } as const;
  const s = planSummary(p);
  const counts = done
    ? `${s.added} added, ${s.changed} changed, ${s.removed} removed`
    : `${s.added} to add, ${s.changed} to change, ${s.removed} to remove`;
  return (
    c.map((x) => `${mark[x.action]} ${x.item}: ${x.text}`).join('\n') +
    `\n${done ? 'applied ' : ''}${s.total} change${s.total === 1 ? '' : 's'}: ${counts}\n`
  );
}
