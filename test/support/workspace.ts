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
