/**
 * `npm run schema`: writes schema/consent.config.schema.json, the JSON Schema of consent.config.yaml
 * generated from the zod config schema, so editors (yaml-language-server) autocomplete and flag mistakes.
 * test/unit/ux/schema.test.ts fails when the committed file is stale.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { configSchema } from '../core/config/schema.js';
import { writeFileAtomic } from '../core/warehouse/atomic-file.js';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SCHEMA_FILE = path.join(PROJECT_ROOT, 'schema', 'consent.config.schema.json');

/**
 * The schema text as committed: the input side (keys with defaults are optional), draft-07 (what
 * yaml-language-server and most editors understand best), trailing newline.
 */
export function configJsonSchemaText(): string {
  const generated = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-07', unrepresentable: 'any' });
  const schema = {
    $schema: generated.$schema,
    title: 'consent-refresh configuration (consent.config.yaml)',
    description: 'Generated from core/config/schema.ts by `npm run schema`; do not edit by hand. Cross-references (declared purposes, segments, export fields) are checked by `consent validate`.',
    ...Object.fromEntries(Object.entries(generated).filter(([key]) => key !== '$schema')),
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

export function committedSchemaText(): string | undefined {
  try {
    return readFileSync(SCHEMA_FILE, 'utf8');
  } catch {
    return undefined;
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (isMain) {
  const text = configJsonSchemaText();
  if (committedSchemaText() === text) {
    console.log(`${path.relative(process.cwd(), SCHEMA_FILE)} is up to date`);
  } else {
    writeFileAtomic(SCHEMA_FILE, text);
    console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
  }
}
