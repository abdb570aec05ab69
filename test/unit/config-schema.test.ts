/**
 * The JSON Schema shipped for editors is the one the zod schema emits
 * (`npm run schema` writes it), and the example configuration passes both.
 */
import test from 'ava';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { configJsonSchema, parseConfig, SCHEMA_PATH } from '../../ts-api/src/config/index';

const ROOT = path.resolve(__dirname, '..', '..');

test('ts-api/schema/slipway-config.schema.json is up to date (npm run schema)', (t) => {
  const shipped = fs.readFileSync(path.join(ROOT, SCHEMA_PATH), 'utf8');
  t.is(shipped, JSON.stringify(configJsonSchema(), null, 2) + '\n');
});

test('the JSON Schema describes every key and forbids unknown ones', (t) => {
  const s = configJsonSchema() as {
    properties: Record<string, { description?: string }>;
    additionalProperties: boolean;
  };
  t.false(s.additionalProperties);
  for (const [k, v] of Object.entries(s.properties)) t.truthy(v.description, `${k} has a description`);
  t.deepEqual(Object.keys(s.properties), [
    '$schema',
    '$comment',
    'dataplane',
    'ports',
    'xconnects',
    'routes',
    'neighbours',
    'rules',
    'policer',
    'kernelSync',
  ]);
});

test('the example configuration is valid', (t) => {
  const f = parseConfig(fs.readFileSync(path.join(ROOT, 'examples/systemd/lab.yaml'), 'utf8'), 'lab.yaml');
  t.true((f.config.ports?.length ?? 0) > 0);
});
