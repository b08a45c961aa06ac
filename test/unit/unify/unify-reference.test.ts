/**
 * Property test: on random small datasets, the SQL unify stage (components, over-merge guard, ids,
 * consent attachment, effective consent with expiry) agrees with a direct JavaScript reference
 * implementation of design §3–§4.
 */
import { createHash } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../../core/db/connection.js';
import { unify } from '../../../core/unify/index.js';
import { createConsentRecords, createProfileRecords, testConfig, type ConsentInput, type ProfileInput, memoryConnectionForFile } from './inputs.js';

const RUN_ID = 'prop';
const RUN_STARTED_AT = '2025-03-01';
const PURPOSES = { N: { regime: 'opt-in' }, S: { regime: 'opt-out' }, E: { regime: 'opt-in', expiresAfter: 'P1Y' } } as const;
const SOURCES = [
  { name: 'p0', rank: 0 },
  { name: 'p1', rank: 1 },
];
const CONSENT_SOURCE = { name: 'cs', rank: 2 };

const EMAILS = ['a@x.com', ' B@x.com', 'b@x.com', 'c@x.com', 'test@test.com', '', null];
const PHONES = ['555-000-1111', '5550001111', '555 000 2222', '0000000', null];
const DATES = [null, '2024-01-01', '2024-03-01', '2024-06-15', '2025-01-01'];
const PLACEHOLDER = { email: new Set(['test@test.com']), phone: new Set(['0000000']) };

const normalise = (kind: 'email' | 'phone', raw: string | null | undefined): string | null => {
  if (raw === null || raw === undefined) return null;
  const value = kind === 'email' ? raw.trim().toLowerCase() : raw.replace(/[^0-9]/g, '');
  return value === '' ? null : value;
};

interface Dataset {
  maxClusterSize: number;
  matches: { email: boolean; phone: boolean }[];
  profiles: ProfileInput[];
  consents: ConsentInput[];
}

const datasetArbitrary: fc.Arbitrary<Dataset> = fc
  .record({
    maxClusterSize: fc.integer({ min: 2, max: 5 }),
    matches: fc.tuple(fc.record({ email: fc.boolean(), phone: fc.boolean() }), fc.record({ email: fc.boolean(), phone: fc.boolean() })),
    profiles: fc.array(fc.record({ source: fc.integer({ min: 0, max: 1 }), email: fc.constantFrom(...EMAILS), phone: fc.constantFrom(...PHONES) }), { maxLength: 14 }),
    consents: fc.array(
      fc.record({
        kind: fc.constantFrom('email', 'phone', 'record'),
        email: fc.constantFrom(...EMAILS.filter((e): e is string => e !== null && e !== '')),
        phone: fc.constantFrom(...PHONES.filter((p): p is string => p !== null)),
        record: fc.integer({ min: 0, max: 15 }),
        recordSource: fc.integer({ min: 0, max: 1 }),
        purpose: fc.constantFrom('N', 'S', 'E'),
        granted: fc.boolean(),
        date: fc.constantFrom(...DATES),
      }),
      { maxLength: 16 },
    ),
  })
  .map(({ maxClusterSize, matches, profiles, consents }) => ({
    maxClusterSize,
    matches: [...matches],
    profiles: profiles.map((p, index) => ({
      source: SOURCES[p.source]!.name,
      rank: SOURCES[p.source]!.rank,
      id: `r${index}`,
      row: index + 1,
      email: p.email,
      phone: p.phone,
      emailMatch: matches[p.source]!.email,
      phoneMatch: matches[p.source]!.phone,
    })),
    consents: consents.map((c, index): ConsentInput => {
      const common = { id: `k${index}`, row: index + 1, purpose: c.purpose, granted: c.granted, date: c.date };
      if (c.kind === 'record') return { ...common, source: SOURCES[c.recordSource]!.name, rank: SOURCES[c.recordSource]!.rank, kind: 'record', key: `r${c.record}` };
      return { ...common, source: CONSENT_SOURCE.name, rank: CONSENT_SOURCE.rank, kind: c.kind, key: c.kind === 'email' ? c.email : c.phone };
    }),
  }));

interface Expected {
  recordCustomer: Record<string, string>;
  refusals: string[];
  orphans: string[];
  effective: string[];
}

/** The reference: design §3–§4 written directly over arrays. */
function reference(data: Dataset): Expected {
  const records = data.profiles.map((p) => ({
    member: `${p.source}:${p.id}`, source: p.source, rank: p.rank, id: p.id,
    email: normalise('email', p.email), phone: normalise('phone', p.phone), emailMatch: p.emailMatch!, phoneMatch: p.phoneMatch!,
  }));
  const matchingKeys = (r: (typeof records)[number]) => {
    const keys: string[] = [];
    if (r.emailMatch && r.email !== null && !PLACEHOLDER.email.has(r.email)) keys.push(`email|${r.email}`);
    if (r.phoneMatch && r.phone !== null && !PLACEHOLDER.phone.has(r.phone)) keys.push(`phone|${r.phone}`);
    return keys;
  };
  // Union-find over records sharing a matching key.
  const parent = records.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : find(parent[i]!));
  const holder = new Map<string, number>();
  records.forEach((r, i) => {
    for (const key of matchingKeys(r)) {
      const other = holder.get(key);
      if (other === undefined) holder.set(key, i);
      else parent[find(i)] = find(other);
    }
  });
  const componentSize = new Map<number, number>();
  records.forEach((_, i) => componentSize.set(find(i), (componentSize.get(find(i)) ?? 0) + 1));
  const refused = (i: number) => componentSize.get(find(i))! > data.maxClusterSize;
  const cluster = (i: number) => (refused(i) ? -1 - i : find(i));
  const older = (a: (typeof records)[number], b: (typeof records)[number]) => a.rank < b.rank || (a.rank === b.rank && a.id < b.id);
  const oldest = new Map<number, (typeof records)[number]>();
  records.forEach((r, i) => {
    const current = oldest.get(cluster(i));
    if (current === undefined || older(r, current)) oldest.set(cluster(i), r);
  });
  const customerOf = records.map((_, i) => `cus_${createHash('md5').update(`${RUN_ID}|${oldest.get(cluster(i))!.member}`).digest('hex').slice(0, 16)}`);

  // merge_refusals
  const refusals: string[] = [];
  const countKeys = (pick: (r: (typeof records)[number], i: number) => string[], reason: string) => {
    const holders = new Map<string, number[]>();
    records.forEach((r, i) => pick(r, i).forEach((key) => holders.set(key, [...(holders.get(key) ?? []), i])));
    for (const [key, members] of holders) {
      if (members.length >= 2) refusals.push(`${key}|${reason}|${members.length}|${new Set(members.map((i) => customerOf[i])).size}`);
    }
  };
  countKeys((r) => [
    ...(r.emailMatch && r.email !== null && PLACEHOLDER.email.has(r.email) ? [`email|${r.email}`] : []),
    ...(r.phoneMatch && r.phone !== null && PLACEHOLDER.phone.has(r.phone) ? [`phone|${r.phone}`] : []),
  ], 'placeholder');
  countKeys((r, i) => (refused(i) ? matchingKeys(r) : []), 'cluster too large');

  // Consent attachment.
  const orphans: string[] = [];
  const attached = new Map<string, ConsentInput[]>();
  for (const fact of data.consents) {
    const key = fact.kind === 'record' ? fact.key : normalise(fact.kind, fact.key)!;
    const owners = new Set<string>();
    records.forEach((r, i) => {
      const owns = fact.kind === 'record' ? r.source === fact.source && r.id === key : (fact.kind === 'email' ? r.email : r.phone) === key;
      if (owns) owners.add(customerOf[i]!);
    });
    // A denial carried by a profile record also reaches every customer holding one of the record's keys
    // (placeholders only when few customers hold them, as below): the person's other records.
    if (fact.kind === 'record' && !fact.granted && owners.size > 0) {
      for (const own of records.filter((r) => r.source === fact.source && r.id === key)) {
        for (const kind of ['email', 'phone'] as const) {
          const value = own[kind];
          if (value === null) continue;
          const holders = new Set(records.flatMap((r, i) => (r[kind] === value ? [customerOf[i]!] : [])));
          if (PLACEHOLDER[kind].has(value) && holders.size > data.maxClusterSize) continue;
          holders.forEach((holder) => owners.add(holder));
        }
      }
    }
    // A placeholder key is nobody's, except that a denial applies to its holders when they are few
    // (at most maxClusterSize): a withdrawal must never be lost.
    if (fact.kind !== 'record' && PLACEHOLDER[fact.kind].has(key) && (fact.granted || owners.size === 0 || owners.size > data.maxClusterSize)) {
      orphans.push(`${fact.id}|placeholder key`);
      continue;
    }
    if (owners.size === 0) orphans.push(`${fact.id}|no customer`);
    else if (owners.size > 1 && fact.granted) orphans.push(`${fact.id}|ambiguous key`);
    else for (const owner of owners) attached.set(`${owner}|${fact.purpose}`, [...(attached.get(`${owner}|${fact.purpose}`) ?? []), fact]);
  }

  // Effective consent.
  const effective: string[] = [];
  const addYear = (date: string) => `${Number(date.slice(0, 4)) + 1}${date.slice(4)}`;
  for (const customer of new Set(customerOf)) {
    for (const [purpose, config] of Object.entries(PURPOSES)) {
      const facts = [...(attached.get(`${customer}|${purpose}`) ?? [])].sort(
        (a, b) =>
          (b.date ?? '') .localeCompare(a.date ?? '') ||
          Number(a.granted) - Number(b.granted) ||
          a.rank - b.rank ||
          (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) ||
          a.row! - b.row!,
      );
      const deciding = facts[0];
      if (deciding === undefined) {
        effective.push(`${customer}|${purpose}|${config.regime === 'opt-out'}|default|null|0`);
        continue;
      }
      const expired = deciding.granted && 'expiresAfter' in config && (deciding.date == null || addYear(deciding.date) <= RUN_STARTED_AT);
      effective.push(`${customer}|${purpose}|${expired ? false : deciding.granted}|${expired ? 'expired' : 'record'}|${deciding.id}|${facts.length}`);
    }
  }
  return {
    recordCustomer: Object.fromEntries(records.map((r, i) => [r.member, customerOf[i]!])),
    refusals: refusals.sort(),
    orphans: orphans.sort(),
    effective: effective.sort(),
  };
}

let connection: DuckDBConnection;
memoryConnectionForFile((opened) => (connection = opened));

async function actual(data: Dataset, factsPerSlice?: number): Promise<Expected> {
  const config = testConfig({
    purposes: PURPOSES,
    // Placeholders pinned (not the evolving defaults) so the reference knows them exactly.
    matching: { maxClusterSize: data.maxClusterSize, replaceDefaults: true, placeholderEmails: ['test@test.com'], placeholderPhones: ['0000000'] },
    sources: [
      ...SOURCES.map((s) => ({ name: s.name, type: 'profiles', format: 'csv', path: 'p.csv', primaryKey: 'id', keys: { email: 'e', phone: 'p' } })),
      { name: CONSENT_SOURCE.name, type: 'consent', format: 'csv', path: 'c.csv', primaryKey: 'id', keys: { email: 'e' }, option: 'o', value: 'v' },
    ],
  });
  await createProfileRecords(connection, [], data.profiles);
  await createConsentRecords(connection, data.consents);
  const result = await unify(connection, config, {
    runId: RUN_ID,
    runStartedAt: new Date(`${RUN_STARTED_AT}T00:00:00Z`),
    hasPrevious: false,
    ...(factsPerSlice === undefined ? {} : { factsPerSlice }),
  });
  expect(result.consentFacts).toBe(result.attachedFacts + result.orphanFacts);
  const text = (sql: string) => queryRows<{ line: string }>(connection, { sql }).then((rows) => rows.map((row) => row.line).sort());
  const pairs = await queryRows<{ member: string; customer_id: string }>(connection, {
    sql: `SELECT source || ':' || record_id AS member, customer_id FROM record_customer`,
  });
  return {
    recordCustomer: Object.fromEntries(pairs.map((row) => [row.member, row.customer_id])),
    refusals: await text(`SELECT concat_ws('|', key_kind, key_value, reason, record_count, customer_count) AS line FROM merge_refusals`),
    orphans: await text(`SELECT concat_ws('|', consent_id, reason) AS line FROM consent_orphans`),
    effective: await text(
      `SELECT customer_id || '|' || purpose || '|' || granted || '|' || basis || '|' || coalesce(consent_id, 'null') || '|' || record_count AS line FROM effective_consent`,
    ),
  };
}

describe('unify agrees with a JavaScript reference', () => {
  it('on random datasets', async () => {
    await fc.assert(
      fc.asyncProperty(datasetArbitrary, async (data) => {
        expect(await actual(data)).toEqual(reference(data));
      }),
      { numRuns: 150 },
    );
  });

  it('on random datasets, with the facts materialised and effective consent computed in slices (the large-run path)', async () => {
    await fc.assert(
      fc.asyncProperty(datasetArbitrary, fc.integer({ min: 1, max: 4 }), async (data, factsPerSlice) => {
        expect(await actual(data, factsPerSlice)).toEqual(reference(data));
      }),
      { numRuns: 100 },
    );
  });
});
