/**
 * Deterministic benchmark data, generated inside DuckDB (range() + hash-based pseudo-randomness, no
 * JavaScript row loops), written as CSV and Parquet with a config for each format.
 *
 * Scale 1 (P1): crm 600k + shop 400k profile rows, 4M consent rows over four purposes. Scale 10 (P2):
 * ten times that. Scale 0.01 (TINY_SCALE): 6k + 4k + 40k, for tests.
 *
 * What the data holds (every fraction is a hash of the row number, so the same scale gives the same bytes):
 * - persons 0..crm-1 are the crm rows; shop rows re-use a crm person (60%: same email with case/whitespace
 *   variation, an alternate email with the same phone in another format → email→phone→email links, or the
 *   same email without a phone) or are new persons; blank and whitespace-only emails, blank phones,
 *   placeholders (noemail@noemail.com, test@test.com, 0000000000) shared by many rows, blank and
 *   duplicate profile ids;
 * - the last 1% of crm rows form chains that alternate shared phone / shared email (40 links each; the
 *   last one 60 links, above maxClusterSize 50, so it is refused);
 * - consent rows: duplicates of a consent id, same-day conflicts (same person, purpose and day), undated
 *   rows, orphans (unknown emails), placeholder and blank keys, an undeclared purpose and ~1% invalid
 *   values or dates.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

export const TINY_SCALE = 0.01;

export interface DatasetCounts {
  readonly crm: number;
  readonly shop: number;
  readonly consent: number;
}

export interface GeneratedDataset {
  readonly dir: string;
  readonly scale: number;
  readonly counts: DatasetCounts;
  /** Config reading the CSV files (the benchmark's default). */
  readonly csvConfig: string;
  /** Same config reading the Parquet files. */
  readonly parquetConfig: string;
  readonly files: Readonly<Record<'crm' | 'shop' | 'consent', { csv: string; parquet: string }>>;
  readonly ms: number;
}

export interface GenerateOptions {
  readonly scale: number;
  readonly threads?: number;
  readonly memoryLimit?: string;
  /** Skip writing when the files for this scale already exist (bench re-runs). */
  readonly reuse?: boolean;
}

export function datasetCounts(scale: number): DatasetCounts {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`scale must be a positive number, got ${scale}`);
  const counts = { crm: Math.round(600_000 * scale), shop: Math.round(400_000 * scale), consent: Math.round(4_000_000 * scale) };
  if (counts.crm < 1000) throw new Error(`scale ${scale} is too small: at least 1000 crm rows are needed (scale ≥ 0.0017)`);
  return counts;
}

export const PURPOSES = ['Newsletter', 'Product updates', 'Sale of data', 'Profiling'] as const;

export const SEGMENTS = [
  { name: 'newsletter', rule: 'Consent option = Newsletter & Consent value = True', purpose: 'Newsletter', format: 'csv' },
  { name: 'product-updates-de', rule: 'Consent option = Product updates & Consent value = True & country = DE', purpose: 'Product updates', format: 'parquet' },
  { name: 'sale-of-data', rule: 'Consent option = Sale of data & Consent value = True', purpose: 'Sale of data', format: 'csv' },
  { name: 'profiling-gold', rule: 'Consent option = Profiling & Consent value = True & loyalty_tier in (gold, platinum)', purpose: 'Profiling', format: 'parquet' },
] as const;

/** SQL macros shared by the three tables. `n` = number of crm rows; `c` = first chain row. */
function macros(counts: DatasetCounts): string[] {
  const chainRows = Math.max(100, Math.round(counts.crm * 0.01));
  const chainStart = counts.crm - chainRows;
  const bigChainStart = counts.crm - 60;
  return [
    // Uniform pseudo-random integer in [0, 1e6) from a row number and a salt.
    `CREATE MACRO u(i, s) AS CAST(hash(i, s) % 1000000 AS BIGINT)`,
    `CREATE MACRO pick(list, i, s) AS list[1 + CAST(hash(i, s) % len(list) AS BIGINT)]`,
    `CREATE MACRO domain(p) AS pick(['example.com', 'mail.test', 'contoso.com', 'fabrikam.net', 'post.example'], p, 'dom')`,
    // Chains: rows chainStart.. in groups of 40 (the last 60 rows one group). Row k of a group shares its
    // phone with k+1 when k is even and its email with k+1 when k is odd.
    `CREATE MACRO chain_id(p) AS CASE WHEN p >= ${bigChainStart} THEN 1000000 ELSE (p - ${chainStart}) // 40 END`,
    `CREATE MACRO chain_pos(p) AS CASE WHEN p >= ${bigChainStart} THEN p - ${bigChainStart} ELSE (p - ${chainStart}) % 40 END`,
    `CREATE MACRO in_chain(p) AS p >= ${chainStart} AND p < ${counts.crm}`,
    `CREATE MACRO email_of(p) AS CASE WHEN in_chain(p) THEN 'chain' || chain_id(p) || '.' || ((chain_pos(p) + 1) // 2) || '@links.example'
                                       ELSE 'user' || p || '@' || domain(p) END`,
    `CREATE MACRO alt_email_of(p) AS 'u' || p || '.alt@' || pick(['example.net', 'mail.test', 'inbox.example'], p, 'alt')`,
    `CREATE MACRO phone_digits(p) AS CASE WHEN in_chain(p) THEN CAST(3123400000 + chain_id(p) * 100 + chain_pos(p) // 2 AS VARCHAR)
                                          ELSE CAST(2000000000 + (p * 48271) % 1000000007 AS VARCHAR) END`,
    `CREATE MACRO fmt_phone(d, style) AS CASE style
        WHEN 0 THEN '(' || d[1:3] || ') ' || d[4:6] || '-' || d[7:10]
        WHEN 1 THEN d[1:3] || '.' || d[4:6] || '.' || d[7:10]
        WHEN 2 THEN d[1:3] || '-' || d[4:6] || '-' || d[7:10]
        ELSE d END`,
    // Case and whitespace variation of an email.
    `CREATE MACRO vary(e, i, s) AS CASE WHEN u(i, s) < 100000 THEN upper(e)
                                        WHEN u(i, s) < 150000 THEN '  ' || e || ' '
                                        WHEN u(i, s) < 200000 THEN upper(e[1:1]) || e[2:] ELSE e END`,
    `CREATE MACRO shop_overlap(j) AS u(j, 'ov') < 600000`,
    `CREATE MACRO shop_person(j) AS CASE WHEN shop_overlap(j) THEN CAST(hash(j, 'sp') % ${chainStart} AS BIGINT) ELSE ${counts.crm} + j END`,
    `CREATE MACRO country(i) AS pick(['DE', 'DE', 'de', ' DE ', 'FR', 'US', 'US', 'GB', 'NL', 'AT', ''], i, 'cty')`,
  ];
}

function crmSql(counts: DatasetCounts): string {
  return `SELECT
      CASE WHEN u(i, 'pk') < 500 THEN '' WHEN u(i, 'pk') < 1000 AND i > 0 THEN 'C' || lpad(CAST(i - 1 AS VARCHAR), 8, '0')
           ELSE 'C' || lpad(CAST(i AS VARCHAR), 8, '0') END AS contact_id,
      pick(['Anna', 'Ben', 'Chloé', 'David', 'Emma', 'Felix', 'Grace', 'Holly', 'Ivan', 'Julia', 'Karl', 'Lena'], i, 'fn') AS first_name,
      pick(['Schmidt', 'Martin', 'Smith', 'Jansen', 'Dubois', 'Lee', 'Dickson', 'Müller'], i, 'ln') AS last_name,
      CASE WHEN in_chain(i) THEN email_of(i)
           WHEN u(i, 'em') < 30000 THEN ''
           WHEN u(i, 'em') < 40000 THEN '   '
           WHEN u(i, 'em') < 43000 THEN 'noemail@noemail.com'
           WHEN u(i, 'em') < 45000 THEN 'NoEmail@NoEmail.com '
           WHEN u(i, 'em') < 47000 THEN 'test@test.com'
           ELSE vary(email_of(i), i, 'var') END AS email,
      CASE WHEN in_chain(i) THEN fmt_phone(phone_digits(i), u(i, 'fmt') % 4)
           WHEN u(i, 'ph') < 250000 THEN ''
           WHEN u(i, 'ph') < 252000 THEN '0000000000'
           ELSE fmt_phone(phone_digits(i), u(i, 'fmt') % 4) END AS phone,
      country(i) AS country
    FROM range(${counts.crm}) t(i)`;
}

/** Shop row j: person p (a crm person for 60% of rows, else a new person crm + j). */
function shopSql(counts: DatasetCounts): string {
  return `SELECT
      CASE WHEN u(j, 'spk') < 300 THEN '' ELSE 'S' || j END AS customer_id,
      pick(['Anna', 'Ben', 'Chloé', 'David', 'Emma', 'Felix', 'Grace', 'Holly', 'Ivan', 'Julia', 'Karl', 'Lena'], p, 'fn') AS first_name,
      CASE WHEN u(j, 'sem') < 20000 THEN ''
           WHEN u(j, 'sem') < 30000 THEN 'noemail@noemail.com'
           WHEN overlap AND kind < 500000 THEN vary(email_of(p), j, 'svar')
           WHEN overlap AND kind < 800000 THEN vary(alt_email_of(p), j, 'svar')
           WHEN overlap THEN vary(email_of(p), j, 'svar')
           ELSE vary(email_of(p), j, 'svar') END AS email,
      CASE WHEN u(j, 'sph') < 1000 THEN '0000000000'
           WHEN overlap AND kind < 500000 AND u(j, 'sph2') < 500000 THEN ''
           WHEN overlap AND kind >= 800000 THEN ''
           WHEN NOT overlap AND u(j, 'sph2') < 300000 THEN ''
           ELSE fmt_phone(phone_digits(p), (u(j, 'sfmt') % 4)) END AS phone,
      pick(['DE', 'de', 'FR', 'US', 'GB', 'NL', '', ''], j, 'scty') AS country,
      pick(['bronze', 'bronze', 'silver', 'silver', 'gold', 'Gold ', 'platinum', ''], j, 'tier') AS loyalty_tier
    FROM (
      SELECT j, overlap, u(j, 'kind') * 1 AS kind,
             shop_person(j) AS p
      FROM (SELECT j, shop_overlap(j) AS overlap FROM range(${counts.shop}) t(j))
    )`;
}

/** Consent row r: seed b (= r, or r - 1 for same-day conflicts and duplicate ids) decides person, purpose and date. */
function consentSql(counts: DatasetCounts): string {
  const persons = counts.crm + counts.shop;
  const universe = Math.round(persons * 1.02);
  return `SELECT
      CASE WHEN u(r, 'cpk') < 200 THEN '' ELSE 'K' || CASE WHEN kind < 25000 AND r > 0 THEN r - 1 ELSE r END END AS consent_id,
      CASE WHEN u(r, 'cem') < 2000 THEN ''
           WHEN u(r, 'cem') < 5000 THEN 'noemail@noemail.com'
           WHEN q >= ${persons} THEN 'ghost' || q || '@nowhere.example'
           WHEN u(b, 'calt') < 50000 THEN vary(alt_email_of(q), r, 'cvar')
           ELSE vary(email_of(q), r, 'cvar') END AS email,
      CASE WHEN u(b, 'cund') < 1000 THEN 'Marketing calls'
           ELSE pick(['Newsletter', 'Newsletter', 'newsletter', 'Product updates', 'Product Updates ', 'Sale of data', 'SALE OF DATA', 'Profiling', 'profiling'], b, 'cpur') END AS consent_option,
      CASE WHEN u(r, 'cbad') < 7000 THEN pick(['maybe', '', 'unsure', '2'], r, 'cbadv')
           WHEN u(r, 'cval') < 580000 THEN pick(['True', 'yes', 'Y', '1', 'granted', 'opt-in', 'Opt In', 'OPTED_IN'], r, 'cg')
           ELSE pick(['False', 'no', 'N', '0', 'denied', 'opt-out', 'Opted Out', 'withdrawn', 'REVOKED'], r, 'cd') END AS consent_value,
      CASE WHEN u(r, 'cdt') < 20000 THEN ''
           WHEN u(r, 'cdt') < 23000 THEN pick(['2023-13-45', '31/02/2023', 'yesterday'], r, 'cbdt')
           WHEN u(b, 'ctm') < 100000 THEN strftime(DATE '2022-01-01' + CAST(u(b, 'cday') % 1100 AS INTEGER), '%Y-%m-%d') || 'T' || lpad(CAST(u(r, 'chr') % 24 AS VARCHAR), 2, '0') || ':15:00Z'
           ELSE strftime(DATE '2022-01-01' + CAST(u(b, 'cday') % 1100 AS INTEGER), '%Y-%m-%d') END AS consent_date
    FROM (
      SELECT r, kind, b, CASE WHEN q0 < ${counts.crm} OR q0 >= ${persons} THEN q0 ELSE shop_person(q0 - ${counts.crm}) END AS q
      FROM (SELECT *, CAST(hash(b, 'cq') % ${universe} AS BIGINT) AS q0
      FROM (SELECT r, u(r, 'ckind') AS kind, CASE WHEN u(r, 'ckind') < 45000 AND r > 0 THEN r - 1 ELSE r END AS b FROM range(${counts.consent}) t(r)))
    )`;
}

/** Optional `duckdb:` settings written into the generated configs. */
export interface DuckDbExtra {
  readonly memoryLimit?: string | undefined;
  readonly threads?: number | undefined;
}

function duckdbLine(extra: DuckDbExtra): string[] {
  const parts = [
    ...(extra.memoryLimit ? [`memoryLimit: ${JSON.stringify(extra.memoryLimit)}`] : []),
    ...(extra.threads ? [`threads: ${extra.threads}`] : []),
  ];
  return parts.length > 0 ? [`duckdb: { ${parts.join(', ')} }`] : [];
}

function configYaml(format: 'csv' | 'parquet', extra: DuckDbExtra = {}): string {
  const ext = format;
  const lines = [
    '# consent-refresh benchmark config (bench/generate-data.ts)',
    'warehouse: ./.consent',
    'temporal: { address: localhost:7233, namespace: default, taskQueue: consent-bench }',
    'schedule: { id: consent-bench, cron: "0 */6 * * *", timezone: UTC }',
    ...duckdbLine(extra),
    'matching: { maxClusterSize: 50 }',
    'purposes:',
    '  Newsletter:      { regime: opt-in }',
    '  Product updates: { regime: opt-in }',
    '  Sale of data:    { regime: opt-out }',
    '  Profiling:       { regime: opt-in }',
    'sources:',
    '  - name: crm',
    '    type: profiles',
    `    format: ${format}`,
    `    path: ./data/crm.${ext}`,
    '    primaryKey: contact_id',
    '    keys: { email: email, phone: phone }',
    '    attributes: { first_name: first_name, last_name: last_name, country: country }',
    '  - name: shop',
    '    type: profiles',
    `    format: ${format}`,
    `    path: ./data/shop.${ext}`,
    '    primaryKey: customer_id',
    '    keys: { email: email, phone: phone }',
    '    attributes: { first_name: first_name, country: country, loyalty_tier: loyalty_tier }',
    '  - name: consent',
    '    type: consent',
    `    format: ${format}`,
    `    path: ./data/consent.${ext}`,
    '    primaryKey: consent_id',
    '    keys: { email: email }',
    '    option: consent_option',
    '    value: consent_value',
    '    date: consent_date',
    'segments:',
    ...SEGMENTS.flatMap((s) => [`  - name: ${s.name}`, `    rule: "${s.rule}"`]),
    'exports:',
    ...SEGMENTS.flatMap((s) => [
      `  - name: ${s.name}-file`,
      `    segment: ${s.name}`,
      `    purpose: ${s.purpose}`,
      `    format: ${s.format}`,
      `    path: ./exports/${s.name}`,
      '    fields: [customer_id, email, first_name, country]',
    ]),
  ];
  return `${lines.join('\n')}\n`;
}

/** Writes `consent.config.yaml` (CSV sources) and `consent.parquet.config.yaml` into `dir`. */
export function writeConfigs(dir: string, extra: DuckDbExtra = {}): { csvConfig: string; parquetConfig: string } {
  const csvConfig = path.join(dir, 'consent.config.yaml');
  const parquetConfig = path.join(dir, 'consent.parquet.config.yaml');
  writeFileSync(csvConfig, configYaml('csv', extra));
  writeFileSync(parquetConfig, configYaml('parquet', extra));
  return { csvConfig, parquetConfig };
}

export async function generateDataset(dir: string, options: GenerateOptions): Promise<GeneratedDataset> {
  const started = performance.now();
  const counts = datasetCounts(options.scale);
  const dataDir = path.join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const files = {
    crm: { csv: path.join(dataDir, 'crm.csv'), parquet: path.join(dataDir, 'crm.parquet') },
    shop: { csv: path.join(dataDir, 'shop.csv'), parquet: path.join(dataDir, 'shop.parquet') },
    consent: { csv: path.join(dataDir, 'consent.csv'), parquet: path.join(dataDir, 'consent.parquet') },
  };
  const marker = path.join(dataDir, 'generated.json');
  const markerText = JSON.stringify({ scale: options.scale, counts, version: 2 });
  if (options.reuse && existsSync(marker) && readFileSync(marker, 'utf8') === markerText) {
    return { dir, scale: options.scale, counts, ...writeConfigs(dir), files, ms: Math.round(performance.now() - started) };
  }
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(options.threads ?? 2),
    memory_limit: options.memoryLimit ?? '4GB',
    preserve_insertion_order: 'true',
  });
  const connection = await instance.connect();
  try {
    for (const macro of macros(counts)) await connection.run(macro);
    const tables = { crm: crmSql(counts), shop: shopSql(counts), consent: consentSql(counts) };
    for (const [name, sql] of Object.entries(tables) as [keyof typeof tables, string][]) {
      const quoted = (file: string) => `'${file.replaceAll("'", "''")}'`;
      await connection.run(`COPY (${sql}) TO ${quoted(files[name].csv)} (FORMAT csv, HEADER true)`);
      await connection.run(`COPY (SELECT * FROM read_csv(${quoted(files[name].csv)}, all_varchar = true, header = true)) TO ${quoted(files[name].parquet)} (FORMAT parquet, COMPRESSION zstd)`);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  writeFileSync(marker, markerText);
  return { dir, scale: options.scale, counts, ...writeConfigs(dir), files, ms: Math.round(performance.now() - started) };
}
