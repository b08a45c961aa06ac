/**
 * A mid-size deterministic dataset generated inside DuckDB (no JavaScript row loops), with a config whose
 * exports carry no customer ids, so two runs of the same data give byte-identical export files.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { openInstance, withConnection } from '../../../core/db/connection.js';
import { quoteLiteral } from '../../../core/sql/identifiers.js';

export async function generateMidSizeDataset(dir: string, profiles: number): Promise<void> {
  const instance = await openInstance(':memory:');
  await withConnection(instance, async (c) => {
    const crm = path.join(dir, 'crm.csv');
    const shop = path.join(dir, 'shop.csv');
    const consent = path.join(dir, 'consent.csv');
    await c.run(`COPY (
        SELECT 'C' || i AS contact_id,
               CASE WHEN i % 17 = 0 THEN '' ELSE (CASE WHEN i % 3 = 0 THEN ' P' ELSE 'p' END) || i || '@Shop.test' END AS email,
               CASE WHEN i % 5 = 0 THEN '+1 (555) ' || lpad((i % 10000000)::VARCHAR, 7, '0') ELSE '' END AS phone,
               'Name' || i AS first_name,
               ['DE', 'FR', 'US', 'GB'][1 + i % 4] AS country
        FROM range(${profiles}) t(i)) TO ${quoteLiteral(crm)} (HEADER, DELIMITER ',')`);
    await c.run(`COPY (
        SELECT 'S' || i AS id,
               CASE WHEN i % 2 = 0 THEN 'p' || i || '@shop.test' ELSE 's' || i || '@else.test' END AS email,
               CASE WHEN i % 7 = 0 THEN '1-555-' || lpad(((i + 5) % 10000000)::VARCHAR, 7, '0') ELSE '' END AS phone
        FROM range(${Math.floor(profiles / 2)}) t(i)) TO ${quoteLiteral(shop)} (HEADER, DELIMITER ',')`);
    await c.run(`COPY (
        SELECT 'K' || i AS consent_id,
               'p' || (hash(i) % ${profiles})::BIGINT || '@shop.test' AS email,
               ['Newsletter', 'newsletter ', 'Product updates', 'Sale of data'][1 + (hash(i * 7) % 4)::INTEGER] AS option,
               ['yes', 'no', 'Opt-In', 'withdrawn', 'maybe'][1 + (hash(i * 13) % 5)::INTEGER] AS value,
               CASE WHEN i % 11 = 0 THEN '' ELSE strftime(DATE '2024-01-01' + ((hash(i * 31) % 60)::INTEGER), '%Y-%m-%d') END AS date
        FROM range(${profiles * 3}) t(i)) TO ${quoteLiteral(consent)} (HEADER, DELIMITER ',')`);
  });
  instance.closeSync();
}

export function midSizeConfig(dir: string, temporal: { address: string; taskQueue: string }): string {
  const file = path.join(dir, 'consent.config.yaml');
  writeFileSync(
    file,
    stringify({
      warehouse: './wh',
      temporal: { address: temporal.address, namespace: 'default', taskQueue: temporal.taskQueue },
      schedule: { id: `${temporal.taskQueue}-schedule` },
      purposes: { Newsletter: { regime: 'opt-in' }, 'Product updates': { regime: 'opt-in' }, 'Sale of data': { regime: 'opt-out' } },
      sources: [
        { name: 'crm', type: 'profiles', format: 'csv', path: 'crm.csv', primaryKey: 'contact_id', keys: { email: 'email', phone: 'phone' }, attributes: { first_name: 'first_name', country: 'country' } },
        { name: 'shop', type: 'profiles', format: 'csv', path: 'shop.csv', primaryKey: 'id', keys: { email: 'email', phone: 'phone' } },
        { name: 'consent', type: 'consent', format: 'csv', path: 'consent.csv', primaryKey: 'consent_id', keys: { email: 'email' }, option: 'option', value: 'value', date: 'date' },
      ],
      segments: [
        { name: 'news', rule: 'Consent option = Newsletter & Consent value = True' },
        { name: 'germany', rule: 'country = DE' },
      ],
      exports: [
        { name: 'news-csv', segment: 'news', purpose: 'Newsletter', path: 'out/news', fields: ['email', 'first_name', 'country'] },
        { name: 'de-parquet', segment: 'germany', purpose: 'Product updates', format: 'parquet', path: 'out/de', fields: ['email', 'phone'] },
      ],
    }),
  );
  return file;
}
