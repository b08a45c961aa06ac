/**
 * Loading a config file: YAML → zod validation → paths resolved against the config file's folder.
 * Every error is a ConfigError naming the offending key path.
 */
import { exportPathProblems } from './path-checks.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, type ConsentConfig, type TemporalTlsConfig } from './schema.js';

export const DEFAULT_CONFIG_FILE = 'consent.config.yaml';

/** A validated config whose paths are absolute. `configFile` is where it came from. */
export interface LoadedConfig extends ConsentConfig {
  readonly configFile: string;
  readonly configDir: string;
}

/** Formats a zod issue path as `sources[1].keys.email`. */
export function formatKeyPath(issuePath: readonly PropertyKey[]): string {
  return issuePath
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`))
    .join('');
}

/** What a missing required key is for, by key path with indexes as [*]. */
const REQUIRED_HINTS: Record<string, string> = {
  'exports[*].purpose': 'the purpose whose consent guards this export (write `none` for an internal export)',
  'exports[*].segment': 'the name of the segment this export writes',
  'exports[*].path': 'the folder the export files go to',
  'exports[*].name': 'a name for the export (its file names)',
  'segments[*].name': 'a name for the segment',
  'segments[*].rule': 'the rule, e.g. "Consent option = Newsletter & Consent value = True"',
  'sources[*].name': 'a name for the source',
  'sources[*].type': '`profiles` or `consent`',
  'sources[*].format': '`csv`, `parquet` or `jsonl`',
  'sources[*].path': 'the file to read',
  'sources[*].primaryKey': "the column holding each row's id",
  'sources[*].keys': 'the email and/or phone columns, e.g. { email: email }',
  'sources[*].value': 'the column holding the consent value (true/false, yes/no, …)',
};

let knownKeyNames: string[] | undefined;

/** Every key name the config schema declares anywhere (for "did you mean"), computed on first use. */
function allKeyNames(): string[] {
  if (knownKeyNames) return knownKeyNames;
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const properties = (node as { properties?: Record<string, unknown> }).properties;
    if (properties) for (const name of Object.keys(properties)) names.add(name);
    for (const value of Object.values(node)) walk(value);
  };
  walk(z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }));
  knownKeyNames = [...names];
  return knownKeyNames;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The declared key an unknown one was probably meant to be: same letters in another case, or 1-2 edits away. */
export function suggestKey(unknown: string): string | undefined {
  const lower = unknown.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of allKeyNames()) {
    const distance = name.toLowerCase() === lower ? 0 : editDistance(lower, name.toLowerCase());
    if (distance <= Math.min(2, Math.floor(unknown.length / 3)) && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** A zod issue as the user should read it: a missing key says it is required, and what it is for. */
function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys
      .map((key) => {
        const suggestion = suggestKey(key);
        return `unknown key "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`;
      })
      .join('; ');
  }
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
    const hint = REQUIRED_HINTS[formatKeyPath(issue.path).replace(/\[\d+\]/g, '[*]')];
    return hint === undefined ? `required (${issue.expected})` : `required: ${hint}`;
  }
  return issue.message;
}

export function configErrorFromZod(error: z.ZodError): ConfigError {
  const issues = error.issues.map((issue) => `${formatKeyPath(issue.path) || '(top level)'}: ${issueMessage(issue)}`);
  const first = error.issues[0];
  const firstPath = first ? formatKeyPath(first.path) : '';
  const err = new ConfigError(firstPath, first ? issueMessage(first) : 'invalid config');
  err.message = issues.length === 1 ? issues[0]! : `${issues.length} problems:\n  ${issues.join('\n  ')}`;
  return err;
}

/** Validates an already-parsed config object; `configFile` anchors relative paths. */
export function parseConfig(raw: unknown, configFile: string): LoadedConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw configErrorFromZod(result.error);
  const configDir = path.dirname(path.resolve(configFile));
  const resolve = (p: string) => path.resolve(configDir, p);
  const config = result.data;
  const loaded: LoadedConfig = {
    ...config,
    configFile: path.resolve(configFile),
    configDir,
    warehouse: resolve(config.warehouse),
    temporal: config.temporal.tls ? { ...config.temporal, tls: resolveTlsPaths(config.temporal.tls, resolve) } : config.temporal,
    schedule: config.schedule.cron === undefined && config.schedule.interval === undefined ? { ...config.schedule, cron: '0 */6 * * *' } : config.schedule,
    duckdb: { ...config.duckdb, ...(config.duckdb.tempDirectory ? { tempDirectory: resolve(config.duckdb.tempDirectory) } : {}) },
    sources: config.sources.map((source) => ({ ...source, path: resolve(source.path) })),
    exports: config.exports.map((exportConfig) => ({ ...exportConfig, path: resolve(exportConfig.path) })),
  };
  const problems = exportPathProblems(loaded);
  if (problems.length > 0) {
    const error = new ConfigError(problems[0]!.key, problems[0]!.message);
    if (problems.length > 1) error.message = `${problems.length} problems:\n  ${problems.map((p) => `${p.key}: ${p.message}`).join('\n  ')}`;
    throw error;
  }
  return loaded;
}

/** The certificate and key files of `temporal.tls`, made absolute; serverName is not a path. */
function resolveTlsPaths(tls: TemporalTlsConfig, resolve: (p: string) => string): TemporalTlsConfig {
  const files = (['serverRootCACert', 'clientCert', 'clientKey'] as const).filter((key) => tls[key] !== undefined);
  return { ...tls, ...Object.fromEntries(files.map((key) => [key, resolve(tls[key]!)])) };
}

export function parseConfigText(text: string, configFile: string): LoadedConfig {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    const where = first.linePos?.[0] ? `line ${first.linePos[0].line}, column ${first.linePos[0].col}` : '';
    throw new ConfigError('', `${path.basename(configFile)} is not valid YAML${where ? ` (${where})` : ''}: ${first.message.split('\n')[0]}`);
  }
  const raw: unknown = document.toJS();
  if (raw === null || raw === undefined || (typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 0)) {
    throw new ConfigError('', `${path.basename(configFile)} is empty: declare purposes, sources, segments and exports (see examples/consent.config.yaml, or run consent init --from FILE…)`);
  }
  return parseConfig(raw, configFile);
}

export function loadConfig(configFile: string = DEFAULT_CONFIG_FILE): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError('', `cannot read config file ${configFile}${code === 'ENOENT' ? ': file not found' : `: ${code ?? String(error)}`}`);
  }
  return parseConfigText(text, configFile);
}
