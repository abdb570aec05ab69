/**
 * Errors of a configuration file: each names the path of the value and the
 * rule it breaks (`ports[1].mtu: must be ≤ 9600`), whether the schema
 * (zod) or a later check (config/validate.ts) found it.
 */
import type { z } from 'zod';
import { SlipwayError } from '../errors';

/** One problem of a file: where (path segments) and what rule it breaks. */
export interface ConfigIssue {
  path: (string | number)[];
  message: string;
}

/** `ports[1].mtu` for ['ports', 1, 'mtu']; `(top level)` for []. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** `path: rule` */
export function formatIssue(i: ConfigIssue): string {
  return `${formatPath(i.path)}: ${i.message}`;
}

/** An invalid configuration: BAD_ARGUMENT, every issue in `issues` and one per line in the message. */
export class ConfigError extends SlipwayError {
  readonly issues: ConfigIssue[];

  constructor(source: string, issues: ConfigIssue[]) {
    const lines = issues.map(formatIssue);
    super(
      'BAD_ARGUMENT',
      issues.length === 1 ? `${source}: ${lines[0]}` : `${source}: ${issues.length} errors:\n  ${lines.join('\n  ')}`,
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list',
  tuple: 'a list [lo, hi]',
};

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function bound(n: number | bigint): string {
  return typeof n === 'bigint' ? n.toString() : n.toLocaleString('en-US').replace(/,/g, '');
}

/** The rule an issue of the schema states, in our words. */
function rule(issue: z.core.$ZodIssue, input: unknown): string {
  switch (issue.code) {
    case 'invalid_type': {
      if (valueAt(input, issue.path) === undefined) return 'is required';
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    }
    case 'too_big': {
      const max = bound(issue.maximum);
      if (issue.origin === 'array') return `must have at most ${max} entries`;
      if (issue.origin === 'string') return `must be at most ${max} characters`;
      return issue.inclusive === false ? `must be < ${max}` : `must be ≤ ${max}`;
    }
    case 'too_small': {
      const min = bound(issue.minimum);
      if (issue.origin === 'array') return `must have at least ${min} ${min === '1' ? 'entry' : 'entries'}`;
      if (issue.origin === 'string') return min === '1' ? 'must not be empty' : `must be at least ${min} characters`;
      return issue.inclusive === false ? `must be > ${min}` : `must be ≥ ${min}`;
    }
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => String(v)).join(', ')}`;
    default:
      // invalid_union, invalid_format and refinements carry the schema's own words
      return issue.message;
  }
}

/** Our issues for zod's: unknown keys get one issue each, at the key's own path. */
export function fromZod(issues: readonly z.core.$ZodIssue[], input: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const i of issues) {
    if (i.code === 'unrecognized_keys') {
      for (const k of i.keys) out.push({ path: [...(i.path as (string | number)[]), k], message: 'unknown key' });
    } else {
      out.push({ path: i.path as (string | number)[], message: rule(i, input) });
    }
  }
  return out;
}
