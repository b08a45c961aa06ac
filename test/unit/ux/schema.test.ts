/** The committed editor schema (schema/consent.config.schema.json) must match the zod config schema. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { committedSchemaText, configJsonSchemaText, SCHEMA_FILE } from '../../../scripts/generate-schema.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

describe('config JSON Schema', () => {
  it('is committed and up to date (run `npm run schema` after changing core/config/schema.ts)', () => {
    const committed = committedSchemaText();
    expect(committed, `${SCHEMA_FILE} is missing: run \`npm run schema\``).toBeDefined();
    expect(committed === configJsonSchemaText(), `${SCHEMA_FILE} is stale: run \`npm run schema\` and commit the result`).toBe(true);
  });

  it('describes the input side: defaulted keys optional, unknown keys flagged', () => {
    const schema = JSON.parse(configJsonSchemaText()) as { required?: string[]; additionalProperties?: unknown; properties: Record<string, unknown> };
    expect(schema.required?.sort()).toEqual(['purposes', 'sources']);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['warehouse', 'temporal', 'schedule', 'purposes', 'sources', 'segments', 'exports']));
  });

  it('is referenced by the example config', () => {
    const example = readFileSync(path.join(ROOT, 'examples', 'consent.config.yaml'), 'utf8');
    const match = /^# yaml-language-server: \$schema=(\S+)/m.exec(example);
    expect(match).not.toBeNull();
    expect(path.resolve(ROOT, 'examples', match![1]!)).toBe(SCHEMA_FILE);
  });

  it('ships in the npm package', () => {
    const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const [pack] = JSON.parse(output) as { files: { path: string }[] }[];
    expect(pack?.files.map((file) => file.path)).toContain('schema/consent.config.schema.json');
  });
});
