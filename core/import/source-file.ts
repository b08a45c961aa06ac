/**
 * File-level checks before a source is read: a missing, unreadable or empty file fails the import with a
 * SourceError (non-retryable) instead of an obscure reader error. An empty JSON lines file is a valid empty
 * snapshot when the source says `allowEmpty` (CSV keeps its header, Parquet its schema, when empty).
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import type { SourceConfig } from '../config/schema.js';
import { SourceError } from '../errors.js';

/** `index`: the source's position in config.sources, so a missing file names the key to fix. */
export async function checkSourceFile(source: SourceConfig, index?: number): Promise<void> {
  const fail = (reason: string) => new SourceError(source.name, source.path, reason);
  const pathKey = index === undefined ? '' : ` (check sources[${index}].path; relative paths resolve against the config file's folder)`;
  let size: number;
  try {
    const info = await stat(source.path);
    if (!info.isFile()) throw fail('not a regular file');
    size = info.size;
    await access(source.path, constants.R_OK);
  } catch (error) {
    if (error instanceof SourceError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw fail(`file not found${pathKey}`);
    if (code === 'EACCES' || code === 'EPERM') throw fail('file is not readable (permission denied)');
    throw fail(`file cannot be read (${code ?? 'unknown error'})`);
  }
  // A JSON lines snapshot with no records can only be an empty file; a source that may be empty says so.
  if (size === 0 && !(source.format === 'jsonl' && source.allowEmpty === true)) throw fail('file is empty (0 bytes)');
}

/** The column names a source config maps, each once, in config order. */
export function mappedColumns(source: SourceConfig): string[] {
  const columns: (string | undefined)[] =
    source.type === 'profiles'
      ? [
          source.primaryKey,
          source.keys.email,
          source.keys.phone,
          ...Object.values(source.attributes),
          ...Object.values(source.consent?.purposes ?? {}),
          source.consent?.date,
        ]
      : [source.primaryKey, source.keys.email, source.keys.phone, source.option, source.value, source.date];
  return [...new Set(columns.filter((column): column is string => column !== undefined))];
}

/**
 * The config key paths that map `column` in source `index` (e.g. `sources[1].primaryKey`,
 * `sources[0].attributes.first_name`), so an error about a column names what to change.
 */
export function configKeysOfColumn(source: SourceConfig, index: number, column: string): string[] {
  const at = (key: string) => `sources[${index}].${key}`;
  const entries: [string, string | undefined][] = [
    [at('primaryKey'), source.primaryKey],
    [at('keys.email'), source.keys.email],
    [at('keys.phone'), source.keys.phone],
  ];
  if (source.type === 'profiles') {
    for (const [name, mapped] of Object.entries(source.attributes)) entries.push([at(`attributes.${name}`), mapped]);
    for (const [name, mapped] of Object.entries(source.consent?.purposes ?? {})) entries.push([at(`consent.purposes.${name}`), mapped]);
    entries.push([at('consent.date'), source.consent?.date]);
  } else {
    entries.push([at('option'), source.option], [at('value'), source.value], [at('date'), source.date]);
  }
  return entries.filter(([, mapped]) => mapped === column).map(([key]) => key);
}

/** Wraps a reader failure (bad format, I/O) as a SourceError; other errors (memory, bugs) pass through. */
export function readerError(source: SourceConfig, error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (!/^(Invalid Input|IO|Invalid Error|Conversion) Error/.test(message)) return error;
  // The first line of DuckDB's message describes the problem; later lines may quote file content.
  const first = (message.split('\n')[0] ?? '').slice(0, 300);
  if (source.format === 'csv' && /state machine reached an invalid state/i.test(first)) {
    return new SourceError(source.name, source.path, 'cannot be read as csv: the file holds bytes the CSV reader cannot parse (binary data, or text in another encoding?)');
  }
  return new SourceError(source.name, source.path, `cannot be read as ${source.format}: ${first}`);
}
