/**
 * The configuration contract (design §9). Keys are the public interface: extend, never rename.
 * Everything a user writes in `consent.config.yaml` is validated here before any work starts.
 */
import { z } from 'zod';
import { cronProblem, dateFormatProblem, memoryLimitProblem, timeZoneProblem } from './value-checks.js';

/** Names used as SQL identifiers (attributes, sources) are restricted so they can be allow-listed. */
const identifierName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must start with a letter or _ and contain only letters, digits and _');

/** Source, segment and export names appear in file names and Web UI summaries. */
const objectName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'must be 1-63 characters of letters, digits, _, . and -, starting with a letter or digit');

const columnName = z.string().trim().min(1, 'column name must not be empty');

/** Unified fields every customer has; attributes may not reuse these names. */
export const RESERVED_FIELDS = ['customer_id', 'email', 'phone', 'source_records', 'record_count'] as const;

const isoDuration = z
  .string()
  .regex(/^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$/, 'must be an ISO-8601 duration in years/months/weeks/days, e.g. P24M or P365D');

export const purposeSchema = z.strictObject({
  regime: z.enum(['opt-in', 'opt-out']),
  /** A grant older than this counts as denied ("re-consent needed") from the day it expires. */
  expiresAfter: isoDuration.optional(),
  description: z.string().optional(),
});

/** Encodings DuckDB's CSV reader decodes (`read_csv(encoding = …)`). */
export const CSV_ENCODINGS = ['utf-8', 'latin-1', 'utf-16'] as const;
export type CsvEncoding = (typeof CSV_ENCODINGS)[number];

const csvOptionsSchema = z.strictObject({
  delimiter: z.string().min(1).max(4).optional(),
  quote: z.string().max(1).optional(),
  escape: z.string().max(1).optional(),
  header: z.boolean().default(true),
  /** Text that stands for "no value" in addition to the empty string. */
  nullString: z.string().optional(),
  /**
   * The file's text encoding (default utf-8): what DuckDB's reader decodes. `utf-16` is little-endian
   * (with or without a byte order mark). There is no Windows-1252: its bytes 0x80–0x9F (€, „, “, ” …)
   * are not latin-1, and a file holding them fails rather than being read with wrong characters.
   */
  encoding: z
    .enum(CSV_ENCODINGS, {
      error: `must be one of ${CSV_ENCODINGS.join(', ')} (there is no windows-1252: use latin-1 when the file has no bytes 0x80-0x9F such as €, „ or “, else convert it to UTF-8)`,
    })
    .optional(),
});

const sourceBase = {
  name: objectName,
  format: z.enum(['csv', 'parquet', 'jsonl']),
  path: z.string().min(1),
  primaryKey: columnName,
  csv: csvOptionsSchema.optional(),
  /**
   * A source with no usable rows fails the refresh when the previous published run had rows from it
   * (a truncated export must not silently become "nobody consented" — or, for opt-out purposes, "everybody
   * did"). Set true when a source may legitimately become empty.
   */
  allowEmpty: z.boolean().default(false),
  /** strptime format for date columns when they are not ISO-8601, e.g. `%d/%m/%Y`. */
  dateFormat: z.string().min(1).optional(),
  description: z.string().optional(),
};

export const profileSourceSchema = z.strictObject({
  ...sourceBase,
  type: z.literal('profiles'),
  keys: z
    .strictObject({ email: columnName.optional(), phone: columnName.optional() })
    .default({}),
  /** Which keys take part in matching for this source (default: every mapped key). */
  matchOn: z.array(z.enum(['email', 'phone'])).optional(),
  attributes: z.record(identifierName, columnName).default({}),
  /** Consent carried by the profile rows themselves: purpose → value column, plus an optional date column. */
  consent: z
    .strictObject({
      purposes: z.record(z.string().min(1), columnName),
      date: columnName.optional(),
    })
    .optional(),
});

export const consentSourceSchema = z
  .strictObject({
    ...sourceBase,
    type: z.literal('consent'),
    keys: z.strictObject({ email: columnName.optional(), phone: columnName.optional() }),
    option: columnName.optional(),
    purpose: z.string().min(1).optional(),
    value: columnName,
    date: columnName.optional(),
  })
  .superRefine((source, ctx) => {
    const keyCount = Number(source.keys.email !== undefined) + Number(source.keys.phone !== undefined);
    if (keyCount !== 1) {
      ctx.addIssue({ code: 'custom', path: ['keys'], message: 'a consent source maps exactly one alternate key: email or phone' });
    }
    if ((source.option === undefined) === (source.purpose === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['option'], message: 'set exactly one of `option` (a column) or `purpose` (a fixed purpose)' });
    }
  });

export const sourceSchema = z.discriminatedUnion('type', [profileSourceSchema, consentSourceSchema]);

/** Structured rule form (equivalent to the text form); validated further by the rule compiler. */
export const segmentSchema = z.strictObject({
  name: objectName,
  rule: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
  description: z.string().optional(),
});

export const exportSchema = z.strictObject({
  name: objectName,
  segment: objectName,
  /** The export guard: a declared purpose, or `none` (explicitly) for internal use. */
  purpose: z.string().min(1),
  format: z.enum(['csv', 'parquet', 'jsonl']).default('csv'),
  path: z.string().min(1),
  fields: z.array(z.string().min(1)).min(1),
  /** Write per-run delta files (added / removed since the previous published run). */
  delta: z.boolean().default(true),
  /** Optional HTTP destination: after publish, POST the export (or its delta) as JSON batches. */
  http: z
    .strictObject({
      url: z.url({ protocol: /^https?$/ }),
      send: z.enum(['delta', 'full']).default('delta'),
      batchSize: z.number().int().min(1).max(100_000).default(500),
      headers: z.record(z.string(), z.string()).default({}),
      /** Header name → environment variable holding its value (secrets stay out of the config file). */
      headersFromEnv: z.record(z.string(), z.string()).default({}),
      maxAttempts: z.number().int().min(1).max(20).default(5),
      timeoutMs: z.number().int().min(100).default(10_000),
    })
    .optional(),
});

const DEFAULT_PLACEHOLDER_EMAILS = [
  'test@test.com',
  'test@example.com',
  'noemail@noemail.com',
  'none@none.com',
  'na@na.com',
  'no@email.com',
  'unknown@unknown.com',
  'email@email.com',
];
/**
 * Defaults catch the usual "no email" fillers without touching plausible real addresses: local parts that
 * say "none/unknown/noreply/declined" (also in German), values without an @, and an @ with no letter or
 * digit on one side (`@`, `-@-`). A short, numeric or filler local part repeating the domain (`x@x.com`, `test@test.de`) is a
 * built-in check of its own (placeholders.ts: RE2 has no back-references). (example.com and friends are NOT
 * blocked: they are common in test and demo data whose records must still merge.)
 */
const DEFAULT_PLACEHOLDER_EMAIL_PATTERNS = [
  '^(no|none|noemail|no-email|no_email|no\\.email|nomail|no-mail|no\\.mail|donotreply|do-not-reply|noreply|no-reply|unknown|null|nil|na|n/a|nobody|dummy|fake|invalid|' +
    'declined|refused|notprovided|not-provided|not_provided|not\\.provided|noaddress|noname|keine|kein|keinemail|keine-email|keine\\.email|unbekannt|' +
    'ohne|n\\.a|n\\.v|k\\.a|keineangabe|keine-angabe|keine\\.angabe)@',
  '^[^@]*$',
  '^[^\\p{L}\\p{N}]*@',
  '@[^\\p{L}\\p{N}]*$',
];
/**
 * Phones: all zeros, one repeated digit, counting sequences, five digits or fewer; and the same fillers
 * written with a country code (after `+` or `00`), a trunk `0` or an extension: `+1 (000) 000-0000`,
 * `0049 0000 000000`, `0000-000000 x1` (up to 3 leading digits, six or more zeros, up to 4 trailing
 * digits); `+49 1111 111111` (up to 3 leading digits, one non-zero digit nine or more times);
 * `+1 123-456-7890`, `01234 567890` (up to 3 leading digits and a 0, then 123456789 and maybe 0).
 */
const DEFAULT_PLACEHOLDER_PHONE_PATTERNS = [
  '^0+$',
  '^(\\d)\\1+$',
  '^1234567890?$',
  '^0123456789$',
  '^\\d{1,5}$',
  '^(?:00)?\\d{0,3}0{6,}\\d{0,4}$',
  '^(?:00)?\\d{1,3}(?:1{9,}|2{9,}|3{9,}|4{9,}|5{9,}|6{9,}|7{9,}|8{9,}|9{9,})$',
  '^(?:00)?\\d{0,3}0?1234567890?$',
];

/**
 * Declared purposes. Names are trimmed, but only after checking that no two names are one name once
 * trimmed (purposeMatchKey): trimming first would collapse `Newsletter` and `"Newsletter "` into one key
 * silently, the last declared regime winning (an opt-in purpose turned opt-out).
 */
const purposesSchema = z
  .record(z.string(), purposeSchema)
  .superRefine((purposes, ctx) => {
    const seen = new Map<string, string>();
    for (const name of Object.keys(purposes)) {
      const key = purposeMatchKey(name);
      if (key === '') ctx.addIssue({ code: 'custom', path: [name], message: 'a purpose name cannot be blank' });
      const other = seen.get(key);
      if (other !== undefined) {
        ctx.addIssue({ code: 'custom', path: [name], message: `purpose names match case-insensitively and trimmed; ${JSON.stringify(name)} clashes with ${JSON.stringify(other)}` });
      }
      seen.set(key, name);
    }
    if (seen.size === 0) ctx.addIssue({ code: 'custom', message: 'declare at least one purpose' });
  })
  .transform((purposes) => Object.fromEntries(Object.entries(purposes).map(([name, purpose]) => [name.trim(), purpose])));

export const matchingSchema = z
  .strictObject({
    /** Exact normalised key values that never match (added to the defaults unless replaceDefaults). */
    placeholderEmails: z.array(z.string()).default([]),
    placeholderPhones: z.array(z.string()).default([]),
    /** Regular expressions (RE2 syntax) over normalised keys that never match. */
    placeholderEmailPatterns: z.array(z.string()).default([]),
    placeholderPhonePatterns: z.array(z.string()).default([]),
    replaceDefaults: z.boolean().default(false),
    /** A cluster of more profile records than this is not merged but reported. */
    maxClusterSize: z.number().int().min(2).default(50),
    /**
     * Phones written without `+` or `00` are national numbers of this country (calling code, e.g. "44"):
     * the trunk prefix is dropped and the code put in front, so +44 20 7946 0958 and 020 7946 0958 match.
     * Unset: digits only (design §3).
     */
    phoneCountryCode: z.string().regex(/^[1-9]\d{0,2}$/, 'a country calling code: 1 to 3 digits, e.g. "44" or "1"').optional(),
    /** The national trunk prefix dropped before the country code (default "1" for country code 1, else "0"; "" for none). */
    phoneTrunkPrefix: z.string().regex(/^\d{0,2}$/, 'up to 2 digits, or "" for none').optional(),
  })
  .default({
    placeholderEmails: [],
    placeholderPhones: [],
    placeholderEmailPatterns: [],
    placeholderPhonePatterns: [],
    replaceDefaults: false,
    maxClusterSize: 50,
  });

/**
 * TLS towards the Temporal frontend (self-hosted with TLS, or Temporal Cloud with mTLS). File paths resolve
 * against the config folder; `tls: {}` turns TLS on with the system's root certificates.
 */
export const temporalTlsSchema = z
  .strictObject({
    /** Overrides the name checked against the server certificate (and sent as SNI). */
    serverName: z.string().min(1).optional(),
    /** PEM file of the CA that signed the server certificate (default: the system roots). */
    serverRootCACert: z.string().min(1).optional(),
    /** PEM client certificate and private key for mTLS: both or neither. */
    clientCert: z.string().min(1).optional(),
    clientKey: z.string().min(1).optional(),
  })
  .superRefine((tls, ctx) => {
    if ((tls.clientCert === undefined) !== (tls.clientKey === undefined)) {
      ctx.addIssue({ code: 'custom', path: [tls.clientCert === undefined ? 'clientCert' : 'clientKey'], message: 'mTLS needs both clientCert and clientKey' });
    }
  });

/** `IP:port` (or just a port, meaning 0.0.0.0:port) for the worker's Prometheus endpoint. */
const metricsAddress = z
  .string()
  .regex(/^(?:(?:(?:\d{1,3}\.){3}\d{1,3}|\[[0-9A-Fa-f:.]+\]):)?\d{1,5}$/, 'must be IP:port (e.g. 0.0.0.0:9464) or a port number');

/** How a standalone worker process runs (worker/main.ts); embedded mode ignores it. */
export const workerSchema = z
  .strictObject({
    /** Serve Prometheus metrics of the Temporal runtime at http://<address>/metrics. Off when unset. */
    metricsAddress: metricsAddress.optional(),
    /** `json`: one JSON object per log line (for log collectors); `text`: plain lines. */
    logFormat: z.enum(['text', 'json']).default('text'),
  })
  .default({ logFormat: 'text' });

export const configSchema = z
  .strictObject({
    warehouse: z.string().min(1).default('./.consent'),
    temporal: z
      .strictObject({
        address: z.string().min(1).default('localhost:7233'),
        namespace: z.string().min(1).default('default'),
        taskQueue: z.string().min(1).default('consent-refresh'),
        tls: temporalTlsSchema.optional(),
        /** API key (Temporal Cloud); prefer the TEMPORAL_API_KEY environment variable over the file. */
        apiKey: z.string().min(1).optional(),
      })
      .default({ address: 'localhost:7233', namespace: 'default', taskQueue: 'consent-refresh' }),
    worker: workerSchema,
    schedule: z
      .strictObject({
        id: objectName.default('consent-refresh'),
        cron: z.string().min(1).optional(),
        interval: z.string().min(1).optional(),
        timezone: z.string().min(1).default('UTC'),
        paused: z.boolean().default(false),
        catchupWindow: z.string().min(1).default('1h'),
      })
      .default({ id: 'consent-refresh', timezone: 'UTC', paused: false, catchupWindow: '1h' }),
    duckdb: z
      .strictObject({
        memoryLimit: z.string().optional(),
        threads: z.number().int().min(1).optional(),
        tempDirectory: z.string().optional(),
      })
      .default({}),
    retention: z.strictObject({ runs: z.number().int().min(1).default(7) }).default({ runs: 7 }),
    matching: matchingSchema,
    purposes: purposesSchema,
    sources: z.array(sourceSchema).min(1, 'declare at least one source'),
    segments: z.array(segmentSchema).default([]),
    exports: z.array(exportSchema).default([]),
  })
  .superRefine((config, ctx) => checkCrossReferences(config, ctx));

export type ConsentConfig = z.infer<typeof configSchema>;
export type SourceConfig = z.infer<typeof sourceSchema>;
export type ProfileSourceConfig = z.infer<typeof profileSourceSchema>;
export type ConsentSourceConfig = z.infer<typeof consentSourceSchema>;
export type SegmentConfig = z.infer<typeof segmentSchema>;
export type ExportConfig = z.infer<typeof exportSchema>;
export type PurposeConfig = z.infer<typeof purposeSchema>;
export type MatchingConfig = z.infer<typeof matchingSchema>;
export type TemporalTlsConfig = z.infer<typeof temporalTlsSchema>;
export type WorkerConfig = z.infer<typeof workerSchema>;

export const DEFAULT_PLACEHOLDERS = {
  emails: DEFAULT_PLACEHOLDER_EMAILS,
  emailPatterns: DEFAULT_PLACEHOLDER_EMAIL_PATTERNS,
  phones: [] as string[],
  phonePatterns: DEFAULT_PLACEHOLDER_PHONE_PATTERNS,
};

/**
 * The key purpose names match by: Unicode NFC (an accent typed as a combining mark, as macOS and some
 * spreadsheets write it, is the same name), trimmed, lower-cased. The import's SQL computes the same key.
 */
export function purposeMatchKey(name: string): string {
  return name.normalize('NFC').trim().toLowerCase();
}

/** Purpose names match case-insensitively after trimming (purposeMatchKey); returns the declared spelling or undefined. */
export function findPurpose(config: Pick<ConsentConfig, 'purposes'>, name: string): string | undefined {
  const wanted = purposeMatchKey(name);
  return Object.keys(config.purposes).find((declared) => purposeMatchKey(declared) === wanted);
}

type RefineCtx = z.core.$RefinementCtx<ConsentConfig>;

function checkUnique(items: { name: string }[], key: string, ctx: RefineCtx): void {
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const lower = item.name.toLowerCase();
    const first = seen.get(lower);
    if (first !== undefined) {
      ctx.addIssue({ code: 'custom', path: [key, index, 'name'], message: `duplicate name "${item.name}" (also ${key}[${first}])` });
    } else {
      seen.set(lower, index);
    }
  });
}

function checkCrossReferences(config: ConsentConfig, ctx: RefineCtx): void {
  checkUnique(config.sources, 'sources', ctx);
  checkUnique(config.segments, 'segments', ctx);
  checkUnique(config.exports, 'exports', ctx);

  // Clashing purpose names were refused by purposesSchema, before their keys were trimmed.
  const lowerPurposes = new Set(Object.keys(config.purposes).map(purposeMatchKey));
  for (const name of Object.keys(config.purposes)) {
    if (purposeMatchKey(name) === 'none') {
      ctx.addIssue({ code: 'custom', path: ['purposes', name], message: '"none" is reserved for exports without a purpose' });
    }
  }
  const isPurpose = (name: string) => lowerPurposes.has(purposeMatchKey(name));

  if (!config.sources.some((source) => source.type === 'profiles')) {
    ctx.addIssue({ code: 'custom', path: ['sources'], message: 'declare at least one source of type "profiles"' });
  }

  const attributeNames = new Set<string>();
  config.sources.forEach((source, index) => {
    if (source.type === 'profiles') {
      if (source.keys.email === undefined && source.keys.phone === undefined) {
        ctx.addIssue({ code: 'custom', path: ['sources', index, 'keys'], message: 'a profile source maps at least one key: email or phone' });
      }
      for (const key of source.matchOn ?? []) {
        if (source.keys[key] === undefined) {
          ctx.addIssue({ code: 'custom', path: ['sources', index, 'matchOn'], message: `matches on ${key} but keys.${key} is not mapped` });
        }
      }
      for (const attribute of Object.keys(source.attributes)) {
        if ((RESERVED_FIELDS as readonly string[]).includes(attribute.toLowerCase())) {
          ctx.addIssue({ code: 'custom', path: ['sources', index, 'attributes', attribute], message: `"${attribute}" is a built-in field of every customer; choose another name` });
        }
        attributeNames.add(attribute.toLowerCase());
      }
      for (const purpose of Object.keys(source.consent?.purposes ?? {})) {
        if (!isPurpose(purpose)) {
          ctx.addIssue({ code: 'custom', path: ['sources', index, 'consent', 'purposes', purpose], message: `purpose "${purpose}" is not declared under purposes` });
        }
      }
    } else if (source.purpose !== undefined && !isPurpose(source.purpose)) {
      ctx.addIssue({ code: 'custom', path: ['sources', index, 'purpose'], message: `purpose "${source.purpose}" is not declared under purposes` });
    }
  });

  const segmentNames = new Set(config.segments.map((segment) => segment.name));
  const knownFields = new Set<string>([...RESERVED_FIELDS, ...attributeNames]);
  config.exports.forEach((exportConfig, index) => {
    if (!segmentNames.has(exportConfig.segment)) {
      ctx.addIssue({ code: 'custom', path: ['exports', index, 'segment'], message: `segment "${exportConfig.segment}" is not declared under segments` });
    }
    if (exportConfig.purpose.trim().toLowerCase() !== 'none' && !isPurpose(exportConfig.purpose)) {
      ctx.addIssue({
        code: 'custom',
        path: ['exports', index, 'purpose'],
        message: `purpose "${exportConfig.purpose}" is not declared under purposes (write \`none\` explicitly for internal exports)`,
      });
    }
    // A field twice would be two columns of one name (Parquet renames the second, a CSV header repeats it).
    const firstIndexOfField = new Map<string, number>();
    exportConfig.fields.forEach((field, fieldIndex) => {
      const lower = field.trim().toLowerCase();
      const fieldKey = lower.startsWith('consent:') ? `consent:${lower.slice('consent:'.length).trim()}` : lower;
      const first = firstIndexOfField.get(fieldKey);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['exports', index, 'fields', fieldIndex], message: `"${field}" is listed twice (also fields[${first}]): each field is one column` });
      } else firstIndexOfField.set(fieldKey, fieldIndex);
    });
    exportConfig.fields.forEach((field, fieldIndex) => {
      if (!knownFields.has(field.toLowerCase()) && !field.toLowerCase().startsWith('consent:')) {
        ctx.addIssue({
          code: 'custom',
          path: ['exports', index, 'fields', fieldIndex],
          message: `unknown field "${field}"; known: ${[...knownFields].join(', ')} or consent:<purpose>`,
        });
      } else if (field.toLowerCase().startsWith('consent:') && !isPurpose(field.slice('consent:'.length))) {
        ctx.addIssue({ code: 'custom', path: ['exports', index, 'fields', fieldIndex], message: `"${field}" names an undeclared purpose` });
      }
    });
  });

  if (config.schedule.cron !== undefined && config.schedule.interval !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['schedule'], message: 'set either cron or interval, not both' });
  }
  checkRunTimeValues(config, ctx);
}

/** Values Temporal or DuckDB would only refuse at run time, inside an activity or a schedule call. */
function checkRunTimeValues(config: ConsentConfig, ctx: RefineCtx): void {
  const report = (path: (string | number)[], problem: string | undefined) => {
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path, message: problem });
  };
  if (config.schedule.cron !== undefined) report(['schedule', 'cron'], cronProblem(config.schedule.cron));
  report(['schedule', 'timezone'], timeZoneProblem(config.schedule.timezone));
  if (config.duckdb.memoryLimit !== undefined) report(['duckdb', 'memoryLimit'], memoryLimitProblem(config.duckdb.memoryLimit));
  config.sources.forEach((source, index) => {
    if (source.dateFormat !== undefined) report(['sources', index, 'dateFormat'], dateFormatProblem(source.dateFormat));
  });
}
