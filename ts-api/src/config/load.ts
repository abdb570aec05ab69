/**
 * Reading a configuration file: YAML or JSON (JSON is read as YAML 1.2,
 * which it is a subset of; duplicate keys are errors), then the schema,
 * then the checks of config/validate.ts. Every problem is reported at once,
 * each with its path (or line and column when the text does not parse).
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { SlipwayError } from '../errors';
import { ConfigError, type ConfigIssue, fromZod } from './issues';
import { type SlipwayConfig, configSchema } from './schema';
import type { ConfigState } from './state';
import { desiredState } from './validate';

/** A configuration file, read and checked. */
export interface LoadedConfig {
  /** Where it came from (a path, or what the caller named it). */
  source: string;
  /** The file as validated. */
  config: SlipwayConfig;
  /** What it asks of the dataplane, in canonical form. */
  desired: ConfigState;
}

/** Parses and checks configuration text; ConfigError naming every problem. */
export function parseConfig(text: string, source = 'configuration'): LoadedConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const issues: ConfigIssue[] = doc.errors.map((e) => {
      const at = e.linePos?.[0];
      return {
        path: at ? [`line ${at.line}, column ${at.col}`] : [],
        message: e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''),
      };
    });
    throw new ConfigError(source, issues);
  }
  const input: unknown = doc.toJS() ?? {};
  const r = configSchema.safeParse(input);
  if (!r.success) throw new ConfigError(source, fromZod(r.error.issues, input));
  return { source, config: r.data, desired: desiredState(r.data, source) };
}

/** Reads and checks a configuration file (YAML or JSON). */
export function loadConfigFile(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new SlipwayError('BAD_ARGUMENT', `cannot read configuration ${file}: ${(e as Error).message}`);
  }
  return parseConfig(text, file);
}
