/**
 * Loading a config file: YAML → zod validation → paths resolved against the config file's folder.
 * Every error is a ConfigError naming the offending key path.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { formatKeyPath, issueMessage } from './issue-messages.js';
import { exportPathProblems } from './path-checks.js';
import { configSchema, type ConsentConfig, type TemporalTlsConfig } from './schema.js';

export const DEFAULT_CONFIG_FILE = 'consent.config.yaml';

/** A validated config whose paths are absolute. `configFile` is where it came from. */
export interface LoadedConfig extends ConsentConfig {
  readonly configFile: string;
  readonly configDir: string;
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
