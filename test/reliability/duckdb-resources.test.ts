/**
 * DuckDB resources (issue 8, item 5): `duckdb.memoryLimit`, `threads` and `tempDirectory` from the config
 * reach every run database, and a refresh under a memory limit smaller than the run needs spills to the
 * temp directory and completes with the same results as an unlimited one.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadConfig, type LoadedConfig } from '../../core/config/load.js';
import { queryRows } from '../../core/db/connection.js';
import { refreshLocally, type LocalRefreshResult } from '../../core/pipeline/local-refresh.js';
import { RunDatabases, warehouseLayout } from '../../core/warehouse/index.js';
import { makeWorkspace } from '../support/workspace.js';
import { sha256 } from './support/bad-input-workspace.js';
import { generateMidSizeDataset, midSizeConfig } from './support/dataset.js';

const PROFILES = 100_000;
const RUN_STARTED_AT = new Date('2024-06-01T00:00:00Z');

let dir: string;

/** The mid-size config with `duckdb` settings and its own warehouse and export folders. */
function configWith(name: string, duckdb: Record<string, unknown> | undefined): LoadedConfig {
  const file = midSizeConfig(dir, { address: '127.0.0.1:1', taskQueue: 'resources' });
  const raw = parse(readFileSync(file, 'utf8')) as Record<string, unknown> & { exports: { path: string }[] };
  raw['warehouse'] = `./wh-${name}`;
  raw.exports = raw.exports.map((exportConfig) => ({ ...exportConfig, path: `./out-${name}/${path.basename(exportConfig.path)}` }));
  if (duckdb) raw['duckdb'] = duckdb;
  const configFile = path.join(dir, `${name}.config.yaml`);
  writeFileSync(configFile, stringify(raw));
  return loadConfig(configFile);
}

async function settingsOf(config: LoadedConfig): Promise<Record<string, string>> {
  const runDatabases = new RunDatabases(warehouseLayout(config.warehouse), config.duckdb);
  try {
    const [row] = await runDatabases.run('settings-check', null).withConnection((connection) =>
      queryRows<Record<string, string>>(connection, {
        sql: `SELECT current_setting('memory_limit') AS memory_limit, CAST(current_setting('threads') AS VARCHAR) AS threads,
                     current_setting('temp_directory') AS temp_directory`,
      }),
    );
    return row!;
  } finally {
    await runDatabases.close('settings-check', { checkpoint: false });
  }
}

/** What must not depend on the memory limit: counts and the export files. */
function results(config: LoadedConfig, result: LocalRefreshResult) {
  return {
    sources: result.sources.map(({ source, rowsRead, rowsAccepted, rowsRejected, consentFacts }) => ({ source, rowsRead, rowsAccepted, rowsRejected, consentFacts })),
    customers: result.unify.customers,
    segments: result.segments.map(({ segment, members }) => ({ segment, members })),
    exports: result.exports.map(({ export: name, rowsWritten, heldBack }) => ({ name, rowsWritten, heldBack })),
    files: config.exports.map((exportConfig) => sha256(path.join(exportConfig.path, `${exportConfig.name}.${exportConfig.format}`))),
  };
}

beforeAll(async () => {
  dir = makeWorkspace('consent-resources-');
  await generateMidSizeDataset(dir, PROFILES);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('duckdb settings from the config', () => {
  it('reach the run database: memory_limit, threads, temp_directory', async () => {
    const config = configWith('settings', { memoryLimit: '128MB', threads: 1, tempDirectory: './spill-settings' });
    expect(config.duckdb.tempDirectory).toBe(path.join(dir, 'spill-settings'));
    expect(await settingsOf(config)).toEqual({ memory_limit: '122.0 MiB', threads: '1', temp_directory: path.join(dir, 'spill-settings') });

    const other = configWith('settings-2', { memoryLimit: '1GB', threads: 2 });
    const settings = await settingsOf(other);
    expect(settings['memory_limit']).toBe('953.6 MiB');
    expect(settings['threads']).toBe('2');
    // Without tempDirectory, DuckDB spills next to the run's file.
    expect(settings['temp_directory']).toBe(`${warehouseLayout(other.warehouse).runDatabase('settings-check')}.tmp`);
  });

  it('a refresh under a memory limit below its needs spills to temp_directory and gives the unlimited results', async () => {
    const unlimited = configWith('unlimited', undefined);
    const expected = results(unlimited, await refreshLocally(unlimited, { runId: 'run-1', runStartedAt: RUN_STARTED_AT, clock: () => RUN_STARTED_AT }));
    expect(expected.customers).toBeGreaterThan(PROFILES);

    const limited = configWith('limited', { memoryLimit: '128MB', threads: 2, tempDirectory: './spill' });
    const spill = limited.duckdb.tempDirectory!;
    let spillFiles = 0;
    const watcher = setInterval(() => {
      if (existsSync(spill)) spillFiles = Math.max(spillFiles, readdirSync(spill).length);
    }, 5);
    let result: LocalRefreshResult;
    try {
      result = await refreshLocally(limited, { runId: 'run-1', runStartedAt: RUN_STARTED_AT, clock: () => RUN_STARTED_AT });
    } finally {
      clearInterval(watcher);
    }
    expect(spillFiles, 'the limited refresh never wrote to temp_directory').toBeGreaterThan(0);
    expect(results(limited, result)).toEqual(expected);
  }, 180_000);
});
