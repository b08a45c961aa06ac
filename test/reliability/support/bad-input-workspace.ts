/**
 * A small good workspace for the bad-input corpus: a profile source `crm`, a consent source `consent`, one
 * segment and one CSV export, plus readers of what a refresh left behind (published state, a profile
 * look-up, rejects).
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig, type LoadedConfig } from '../../../core/config/load.js';
import { queryRows, withConnection } from '../../../core/db/connection.js';
import { refreshLocally, type LocalRefreshResult } from '../../../core/pipeline/local-refresh.js';
import { openPublishedRun, readCurrentRun, warehouseLayout } from '../../../core/warehouse/index.js';
import { makeWorkspace } from '../../support/workspace.js';
import { goodCsv, type BadInputCase, type Target } from './bad-input-cases.js';

const RUN_STARTED_AT = new Date('2024-06-01T00:00:00Z');

export interface CaseWorkspace {
  readonly dir: string;
  config(bad?: BadInputCase): LoadedConfig;
  cleanup(): void;
}

/** A workspace with the good source files, or a byte copy of the workspace `from` (warehouse included). */
export function caseWorkspace(from?: string): CaseWorkspace {
  const dir = makeWorkspace('consent-bad-input-');
  if (from !== undefined) {
    cpSync(from, dir, { recursive: true });
  } else {
    writeFileSync(path.join(dir, 'crm.csv'), goodCsv('crm'));
    writeFileSync(path.join(dir, 'consent.csv'), goodCsv('consent'));
  }
  const sourceFor = (target: Target, bad: BadInputCase | undefined) => {
    const base =
      target === 'crm'
        ? { name: 'crm', type: 'profiles', primaryKey: 'contact_id', keys: { email: 'email', phone: 'phone' }, attributes: { first_name: 'first_name', country: 'country' } }
        : { name: 'consent', type: 'consent', primaryKey: 'consent_id', keys: { email: 'email' }, option: 'consent_option', value: 'consent_value', date: 'consent_date' };
    if (bad?.target !== target) return { ...base, format: 'csv', path: `${target}.csv` };
    return { ...base, format: bad.format, path: bad.file, ...(bad.source ?? {}) };
  };
  return {
    dir,
    config: (bad) =>
      parseConfig(
        {
          warehouse: './wh',
          purposes: { Newsletter: { regime: 'opt-in' }, 'Product updates': { regime: 'opt-in' }, 'Sale of data': { regime: 'opt-out' } },
          sources: [sourceFor('crm', bad), sourceFor('consent', bad)],
          segments: [{ name: 'news', rule: 'Consent option = Newsletter & Consent value = True' }],
          exports: [{ name: 'news-file', segment: 'news', purpose: 'Newsletter', format: 'csv', path: './out/news', fields: ['email', 'first_name'] }],
        },
        path.join(dir, 'consent.config.yaml'),
      ),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

export async function refresh(config: LoadedConfig, runId: string): Promise<LocalRefreshResult> {
  return refreshLocally(config, { runId, runStartedAt: RUN_STARTED_AT, clock: () => RUN_STARTED_AT });
}

/** What readers see of the published state: current.json bytes, export file and manifest hashes. */
export interface PublishedState {
  readonly current: string;
  readonly exportFile: string;
  readonly manifest: string;
}

export function publishedState(config: LoadedConfig): PublishedState {
  const layout = warehouseLayout(config.warehouse);
  const folder = config.exports[0]!.path;
  return {
    current: readFileSync(layout.currentFile, 'utf8'),
    exportFile: sha256(path.join(folder, 'news-file.csv')),
    manifest: sha256(path.join(folder, 'news-file.manifest.json')),
  };
}

/** A `consent profile`-style read of the current run: the customer owning an email and its effective consent. */
export async function readProfile(config: LoadedConfig, email: string): Promise<{ runId: string; customers: number; consent: { purpose: string; granted: boolean }[] }> {
  const layout = warehouseLayout(config.warehouse);
  const current = readCurrentRun(layout);
  if (!current) throw new Error('no current run');
  const instance = await openPublishedRun(layout, current.runId);
  try {
    return await withConnection(instance, async (connection) => {
      const [count] = await queryRows<{ n: string }>(connection, { sql: 'SELECT count(*) AS n FROM customers' });
      const consent = await queryRows<{ purpose: string; granted: boolean }>(connection, {
        sql: `SELECT e.purpose, e.granted FROM customer_keys k JOIN effective_consent e USING (customer_id)
              WHERE k.key_kind = 'email' AND k.key_value = $email ORDER BY e.purpose`,
        params: { email },
      });
      return { runId: current.runId, customers: Number(count?.n ?? 0), consent };
    });
  } finally {
    instance.closeSync();
  }
}

/** The rejects of the current run for one source: reason → count, and every row's reason and detail. */
export async function currentRejects(config: LoadedConfig, source: string): Promise<{ counts: Record<string, number>; rows: { reason: string | null; detail: string | null; row_no: string | null }[] }> {
  const layout = warehouseLayout(config.warehouse);
  const current = readCurrentRun(layout)!;
  const instance = await openPublishedRun(layout, current.runId);
  try {
    return await withConnection(instance, async (connection) => {
      const rows = await queryRows<{ reason: string | null; detail: string | null; row_no: string | null }>(connection, {
        sql: 'SELECT reason, detail, CAST(row_no AS VARCHAR) AS row_no FROM rejects WHERE source = $source ORDER BY row_no, reason',
        params: { source },
      });
      const counts: Record<string, number> = {};
      for (const row of rows) counts[String(row.reason)] = (counts[String(row.reason)] ?? 0) + 1;
      return { counts, rows };
    });
  } finally {
    instance.closeSync();
  }
}

export function runFileExists(config: LoadedConfig, runId: string): boolean {
  return existsSync(warehouseLayout(config.warehouse).runDatabase(runId));
}
