/**
 * The benchmark generator at tiny scale: exact row counts in CSV and Parquet, byte-identical output when
 * generated twice, and a config that loads.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { datasetCounts, generateDataset, TINY_SCALE, type GeneratedDataset } from '../../../bench/generate-data.js';
import { loadConfig } from '../../../core/config/load.js';
import { queryNumber, withConnection } from '../../../core/db/connection.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function generate(): Promise<GeneratedDataset> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'consent-bench-'));
  dirs.push(dir);
  return generateDataset(dir, { scale: TINY_SCALE });
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('generateDataset', () => {
  it('writes the exact row counts as CSV and Parquet, the same bytes every time', async () => {
    const first = await generate();
    const second = await generate();
    expect(first.counts).toEqual({ crm: 6000, shop: 4000, consent: 40000 });
    expect(datasetCounts(1)).toEqual({ crm: 600_000, shop: 400_000, consent: 4_000_000 });

    const instance = await DuckDBInstance.create(':memory:');
    await withConnection(instance, async (connection) => {
      for (const name of ['crm', 'shop', 'consent'] as const) {
        const files = first.files[name];
        const literal = (file: string) => `'${file.replaceAll("'", "''")}'`;
        expect(await queryNumber(connection, { sql: `SELECT count(*) FROM read_csv(${literal(files.csv)}, all_varchar = true)` })).toBe(first.counts[name]);
        expect(await queryNumber(connection, { sql: `SELECT count(*) FROM read_parquet(${literal(files.parquet)})` })).toBe(first.counts[name]);
        expect(sha256(files.csv)).toBe(sha256(second.files[name].csv));
        expect(sha256(files.parquet)).toBe(sha256(second.files[name].parquet));
      }
      // The advertised mess is there: blank emails, a shared placeholder, invalid consent values.
      const crm = `'${first.files.crm.csv.replaceAll("'", "''")}'`;
      expect(await queryNumber(connection, { sql: `SELECT count(*) FROM read_csv(${crm}, all_varchar = true) WHERE lower(trim(email)) = 'noemail@noemail.com'` })).toBeGreaterThan(10);
      const consent = `'${first.files.consent.csv.replaceAll("'", "''")}'`;
      const invalid = await queryNumber(connection, {
        sql: `SELECT count(*) FROM read_csv(${consent}, all_varchar = true) WHERE coalesce(consent_value, '') IN ('maybe', '', 'unsure', '2')`,
      });
      expect(invalid / first.counts.consent).toBeGreaterThan(0.004);
      expect(invalid / first.counts.consent).toBeLessThan(0.015);
    });
    instance.closeSync();

    const config = loadConfig(first.csvConfig);
    expect(config.sources.map((s) => s.name)).toEqual(['crm', 'shop', 'consent']);
    expect(config.segments).toHaveLength(4);
    expect(loadConfig(first.parquetConfig).sources.every((s) => s.format === 'parquet')).toBe(true);
  });
});
