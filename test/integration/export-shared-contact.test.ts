/**
 * The export guard and shared contact keys: when records holding the same email stay separate customers
 * (here a source's `matchOn` leaves email out of matching), an export never writes an email that a
 * customer without consent for its purpose also holds — that would deliver the withdrawn person's address.
 * An export that does not write the email delivers nothing of theirs and keeps the customer.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { refreshLocally } from '../../core/pipeline/index.js';
import { makeWorkspace, writeWorkspaceConfig } from '../support/workspace.js';

const lines = (file: string) => readFileSync(file, 'utf8').trimEnd().split('\n');

describe('an email shared by two customers, one of whom withdrew', () => {
  const dir = makeWorkspace();
  let result: Awaited<ReturnType<typeof refreshLocally>>;

  beforeAll(async () => {
    writeFileSync(path.join(dir, 'crm.csv'), ['id,email,phone', 'C1,jose@shop.fr,+1 425 555 1232', 'C2,ann@shop.fr,+1 425 555 0002', 'C3,max@shop.fr,'].join('\n') + '\n');
    // support matches on phone only: T1 shares José's email but no phone, so it stays another customer.
    writeFileSync(path.join(dir, 'support.csv'), ['id,email,phone', 'T1,jose@shop.fr,', 'T2,ann@shop.fr,', 'T3,max@shop.fr,'].join('\n') + '\n');
    // José withdrew from the sale of his data by phone; Ann confirmed hers.
    writeFileSync(
      path.join(dir, 'consent.csv'),
      ['consent_id,phone,option,value,date', 'P1,+1 425 555 1232,Sale of data,no,2026-11-30', 'P2,+1 425 555 0002,Sale of data,yes,2026-11-30'].join('\n') + '\n',
    );
    const { config } = writeWorkspaceConfig(dir, {
      warehouse: './wh',
      purposes: { 'Sale of data': { regime: 'opt-out' } },
      sources: [
        { name: 'crm', type: 'profiles', format: 'csv', path: 'crm.csv', primaryKey: 'id', keys: { email: 'email', phone: 'phone' } },
        { name: 'support', type: 'profiles', format: 'csv', path: 'support.csv', primaryKey: 'id', keys: { email: 'email', phone: 'phone' }, matchOn: ['phone'] },
        { name: 'sms', type: 'consent', format: 'csv', path: 'consent.csv', primaryKey: 'consent_id', keys: { phone: 'phone' }, option: 'option', value: 'value', date: 'date' },
      ],
      segments: [{ name: 'all', rule: 'Consent option = Sale of data & Consent value = True' }],
      exports: [
        { name: 'sale', segment: 'all', purpose: 'Sale of data', path: 'out/sale', fields: ['email', 'source_records'], format: 'csv' },
        { name: 'sale-ids', segment: 'all', purpose: 'Sale of data', path: 'out/sale-ids', fields: ['source_records'], format: 'csv' },
      ],
    });
    result = await refreshLocally(config, { runId: 'run-1', runStartedAt: new Date('2026-12-01T00:00:00Z') });
  }, 60_000);

  it('never writes the email of someone who withdrew, whichever customer holds it', () => {
    // José's crm customer withdrew (by phone); his support record holds the same email and is held back.
    expect(lines(path.join(dir, 'out/sale/sale.csv'))).toEqual(['email,source_records', 'ann@shop.fr,crm:C2', 'ann@shop.fr,support:T2', 'max@shop.fr,crm:C3', 'max@shop.fr,support:T3']);
    expect(result.exports.find((e) => e.export === 'sale')).toMatchObject({ segmentMembers: 5, rowsWritten: 4, heldBack: 1 });
  });

  it('an export that does not write the email keeps the other customer', () => {
    expect(lines(path.join(dir, 'out/sale-ids/sale-ids.csv'))).toEqual(['source_records', 'crm:C2', 'crm:C3', 'support:T1', 'support:T2', 'support:T3']);
    expect(result.exports.find((e) => e.export === 'sale-ids')).toMatchObject({ segmentMembers: 5, rowsWritten: 5, heldBack: 0 });
  });
});
