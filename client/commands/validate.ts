import { openInstance, withConnection } from '../../core/db/connection.js';
import { SourceError } from '../../core/errors.js';
import path from 'node:path';
import { firstRejects, importSource, writeRejectsCsv, type ImportResult, type RejectLine } from '../../core/import/index.js';
import { checkConfigBeforeRun, configNotes } from '../preflight.js';
import { loadConfigFrom } from '../config-path.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import { rejectedWithdrawalsWarning } from '../format-summary.js';
import type { CommandHandler } from '../cli.js';

/** Rejected rows listed per source (row, column, reason, detail: never the value itself). */
const LISTED_REJECTS = 5;

function rejectLine(line: RejectLine): string {
  const where = [line.rowNo === null ? 'row ?' : `row ${line.rowNo}`, line.column].filter(Boolean).join(', ');
  return `${where}: ${line.reason}${line.detail ? ` (${line.detail})` : ''}`;
}

/**
 * `consent validate`: the config (schema, rules, export fields) and every source read for real into a
 * scratch in-memory database. Exit 0 clean, 1 rejects present, 2 unusable config or source.
 * Lists each source's first rejected rows; `--rejects FILE` writes all of them, values included, as CSV.
 */
export const runValidateCommand: CommandHandler = async ({ config: configPath, json, rejects: rejectsFile }) => {
  const config = loadConfigFrom(configPath);
  checkConfigBeforeRun(config);
  const instance = await openInstance(':memory:', { memoryLimit: config.duckdb.memoryLimit, threads: config.duckdb.threads, tempDirectory: config.duckdb.tempDirectory });
  const imported: { index: number; result: ImportResult; rejects: { total: number; lines: RejectLine[] } }[] = [];
  const failures: string[] = [];
  for (let index = 0; index < config.sources.length; index += 1) {
    try {
      const result = await withConnection(instance, (connection) => importSource(connection, config, index));
      const rejects = await withConnection(instance, (connection) => firstRejects(connection, index, LISTED_REJECTS));
      imported.push({ index, result, rejects });
    } catch (error) {
      if (!(error instanceof SourceError)) throw error;
      failures.push(error.message);
    }
  }
  let rejectsWritten: number | undefined;
  if (rejectsFile !== undefined) {
    rejectsWritten = await withConnection(instance, (connection) => writeRejectsCsv(connection, imported.map((source) => source.index), path.resolve(rejectsFile)));
  }
  instance.closeSync();
  const results = imported.map((source) => source.result);
  const rejected = results.reduce((sum, r) => sum + r.rowsRejected, 0);
  if (json) {
    console.log(JSON.stringify({ config: config.configFile, sources: results, errors: failures, ...(rejectsWritten === undefined ? {} : { rejectsFile: path.resolve(rejectsFile!), rejectsWritten }) }, null, 2));
  } else {
    console.log(`config ${config.configFile}: ok (${config.sources.length} sources, ${Object.keys(config.purposes).length} purposes, ${config.segments.length} segments, ${config.exports.length} exports)`);
    for (const { result: r, rejects } of imported) {
      const reasons = r.topRejectReasons.map((t) => `${t.reason} ×${t.count}`).join(', ');
      console.log(`  ${r.source}: ${r.rowsRead} rows read, ${r.rowsAccepted} accepted, ${r.rowsRejected} rejected${reasons ? `; problems: ${reasons}` : ''}`);
      const withdrawals = rejectedWithdrawalsWarning(r.rejectedWithdrawals);
      if (withdrawals !== undefined) console.log(`    ${withdrawals}`);
      for (const line of rejects.lines) console.log(`    ${rejectLine(line)}`);
      if (rejects.total > rejects.lines.length) console.log(`    … ${rejects.total - rejects.lines.length} more`);
    }
    if (rejectsWritten !== undefined) console.log(`${rejectsWritten} rejected rows written to ${path.resolve(rejectsFile!)}`);
    else if (imported.some((source) => source.rejects.total > 0)) console.log('every rejected row, with its value: consent validate --rejects FILE.csv');
    for (const failure of failures) console.error(`  error: ${failure}`);
    for (const note of configNotes(config)) console.log(`note: ${note}`);
  }
  if (failures.length > 0) return EXIT_USAGE;
  return rejected > 0 ? EXIT_FAILURE : EXIT_OK;
};
