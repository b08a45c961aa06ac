/**
 * A profile id written on several rows: the first row is the record (keys and attributes), and the later
 * rows' emails and phones are its extra keys — consent keyed by them reaches the record, so a withdrawal
 * sent to the newer address is not an orphan. They do not merge other records into it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../core/db/connection.js';
import { refreshLocally } from '../../core/pipeline/index.js';
import { openPublishedRun, warehouseLayout } from '../../core/warehouse/index.js';
import { makeWorkspace, writeWorkspaceConfig } from '../support/workspace.js';

const lines = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n');

describe('consent keyed by a duplicate profile row’s email', () => {
  const dir = makeWorkspace();
  let result: Awaited<ReturnType<typeof refreshLocally>>;

  beforeAll(async () => {
    writeFileSync(
      path.join(dir, 'crm.csv'),
      ['id,email,phone,first_name', 'Q1,quinn.old@x.com,,Quinn', 'R1,rita@x.com,,Rita', 'Q1,quinn.new@x.com,+1 212 555 0100,Quinn N', 'Q1,QUINN.OLD@x.com,,Quinn O'].join('\n') + '\n',
    );
    // shop's Quentin holds Quinn's newer email: an extra key does not merge him into Quinn.
    writeFileSync(path.join(dir, 'shop.csv'), ['id,email', 'S1,quinn.new@x.com'].join('\n') + '\n');
    writeFileSync(
      path.join(dir, 'consent.csv'),
      [
        'consent_id,email,option,value,date',
        'e14,quinn.old@x.com,Newsletter,yes,2025-01-01',
        'e15,quinn.new@x.com,Newsletter,no,2026-06-01',
        'e16,rita@x.com,Newsletter,yes,2025-01-01',
      ].join('\n') + '\n',
    );
    const { config } = writeWorkspaceConfig(dir, {
      warehouse: './wh',
      purposes: { Newsletter: { regime: 'opt-in' } },
      sources: [
        { name: 'crm', type: 'profiles', format: 'csv', path: 'crm.csv', primaryKey: 'id', keys: { email: 'email', phone: 'phone' }, attributes: { first_name: 'first_name' } },
        { name: 'shop', type: 'profiles', format: 'csv', path: 'shop.csv', primaryKey: 'id', keys: { email: 'email' } },
        { name: 'consent', type: 'consent', format: 'csv', path: 'consent.csv', primaryKey: 'consent_id', keys: { email: 'email' }, option: 'option', value: 'value', date: 'date' },
      ],
      segments: [{ name: 'news', rule: 'Consent option = Newsletter & Consent value = True' }],
      exports: [{ name: 'nl', segment: 'news', purpose: 'Newsletter', path: 'out/nl', fields: ['email', 'first_name', 'source_records'], format: 'csv' }],
    });
    result = await refreshLocally(config, { runId: 'run-1', runStartedAt: new Date('2026-12-01T00:00:00Z') });
  }, 60_000);

  it('the withdrawal sent to the later row’s email reaches the record; the first row keeps the record’s fields', async () => {
    expect(lines(path.join(dir, 'out/nl/nl.csv'))).toEqual(['email,first_name,source_records', 'rita@x.com,Rita,crm:R1']);
    expect(result.unify).toMatchObject({ customers: 3, mergedRecords: 0, consentFacts: 3, attachedFacts: 3, orphanFacts: 0 });
    const layout = warehouseLayout(path.join(dir, 'wh'));
    const instance = await openPublishedRun(layout, 'run-1');
    const connection = await instance.connect();
    try {
      expect(
        await queryRows(connection, {
          sql: `SELECT list_sort(c.source_records) AS records, c.email, c.phone, c.first_name, e.granted, e.consent_id
                FROM customers c JOIN effective_consent e USING (customer_id) ORDER BY records`,
        }),
      ).toEqual([
        { records: ['crm:Q1'], email: 'quinn.old@x.com', phone: null, first_name: 'Quinn', granted: false, consent_id: 'e15' },
        { records: ['crm:R1'], email: 'rita@x.com', phone: null, first_name: 'Rita', granted: true, consent_id: 'e16' },
        // shop's record holds the address too: the denial keyed by it applies to both holders.
        { records: ['shop:S1'], email: 'quinn.new@x.com', phone: null, first_name: null, granted: false, consent_id: 'e15' },
      ]);
      expect(
        await queryRows(connection, {
          sql: `SELECT k.key_kind, k.key_value FROM customer_keys k JOIN customers c USING (customer_id)
                WHERE list_contains(c.source_records, 'crm:Q1') ORDER BY ALL`,
        }),
      ).toEqual([
        { key_kind: 'email', key_value: 'quinn.new@x.com' },
        { key_kind: 'email', key_value: 'quinn.old@x.com' },
        { key_kind: 'phone', key_value: '12125550100' },
      ]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
