/** Temp workspaces for integration tests: a copy of the example data plus a config written for the test. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { loadConfig, type LoadedConfig } from '../../core/config/load.js';

export const EXAMPLES_DIR = path.resolve(import.meta.dirname, '../../examples');

export function makeWorkspace(prefix = 'consent-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface Workspace {
  readonly dir: string;
  readonly configFile: string;
  readonly config: LoadedConfig;
}

/** Writes `raw` as the workspace config (merged over the example config) and loads it. */
export function writeWorkspaceConfig(dir: string, raw: Record<string, unknown>): Workspace {
  const configFile = path.join(dir, 'consent.config.yaml');
  writeFileSync(configFile, stringify(raw));
  return { dir, configFile, config: loadConfig(configFile) };
}

/** Copies the example config and data into a temp folder, pointing Temporal at the test server. */
export function exampleWorkspace(temporalAddress: string, taskQueue: string, overrides: Record<string, unknown> = {}): Workspace {
  const dir = makeWorkspace();
  cpSync(path.join(EXAMPLES_DIR, 'data'), path.join(dir, 'data'), { recursive: true });
  const example = parse(readFileSync(path.join(EXAMPLES_DIR, 'consent.config.yaml'), 'utf8')) as Record<string, unknown>;
  return writeWorkspaceConfig(dir, {
    ...example,
    temporal: { address: temporalAddress, namespace: 'default', taskQueue },
    schedule: { id: `${taskQueue}-schedule`, cron: '0 */6 * * *', timezone: 'UTC' },
    ...overrides,
  });
}

/** An export of the `news` segment guarded by Newsletter, writing the email (newsletterWorkspaceConfig). */
export interface NewsletterExport {
  readonly name: string;
  readonly path: string;
  readonly format?: 'csv' | 'jsonl' | 'parquet';
}

/**
 * The smallest newsletter setup: `profiles.csv` (id, email) and `consent.csv` (consent_id, email, option,
 * value, date) in the workspace, one opt-in purpose, one segment `news`, and the given exports of it.
 */
export function newsletterWorkspaceConfig(dir: string, exports: readonly NewsletterExport[]): Workspace {
  return writeWorkspaceConfig(dir, {
    warehouse: './wh',
    purposes: { Newsletter: { regime: 'opt-in' } },
    sources: [
      { name: 'crm', type: 'profiles', format: 'csv', path: 'profiles.csv', primaryKey: 'id', keys: { email: 'email' } },
      { name: 'consent', type: 'consent', format: 'csv', path: 'consent.csv', primaryKey: 'consent_id', keys: { email: 'email' }, option: 'option', value: 'value', date: 'date' },
    ],
    segments: [{ name: 'news', rule: 'Consent option = Newsletter & Consent value = True' }],
    exports: exports.map((entry) => ({ name: entry.name, segment: 'news', purpose: 'Newsletter', path: entry.path, fields: ['email'], format: entry.format ?? 'csv' })),
  });
}
