import { openInstance, withConnection } from '../../core/db/connection.js';
import { SourceError } from '../../core/errors.js';
import { importSource } from '../../core/import/index.js';
import { compileSegment } from '../../core/segments/index.js';
import { resolveExportFields } from '../../core/exports/index.js';
import { loadConfigFrom } from '../config-path.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import type { CommandHandler } from '../cli.js';

/**
 * `consent validate`: the config (schema, rules, export fields) and every source read for real into a
 * scratch in-memory database. Exit 0 clean, 1 rejects present, 2 unusable config or source.
 */
export const runValidateCommand: CommandHandler = async ({ config: configPath, json }) => {
  const config = loadConfigFrom(configPath);
  config.segments.forEach((_, index) => compileSegment(config, index));
  config.exports.forEach((_, index) => resolveExportFields(config, index));
  const instance = await openInstance(':memory:', { memoryLimit: config.duckdb.memoryLimit, threads: config.duckdb.threads, tempDirectory: config.duckdb.tempDirectory });
  const results = [];
  const failures: string[] = [];
  for (let index = 0; index < config.sources.length; index += 1) {
    try {
      results.push(await withConnection(instance, (connection) => importSource(connection, config, index)));
    } catch (error) {
      if (!(error instanceof SourceError)) throw error;
      failures.push(error.message);
    }
  }
  instance.closeSync();
  const rejected = results.reduce((sum, r) => sum + r.rowsRejected, 0);
  if (json) {
    console.log(JSON.stringify({ config: config.configFile, sources: results, errors: failures }, null, 2));
  } else {
    console.log(`config ${config.configFile}: ok (${config.sources.length} sources, ${Object.keys(config.purposes).length} purposes, ${config.segments.length} segments, ${config.exports.length} exports)`);
    for (const r of results) {
      const reasons = r.topRejectReasons.map((t) => `${t.reason} ×${t.count}`).join(', ');
      console.log(`  ${r.source}: ${r.rowsRead} rows read, ${r.rowsAccepted} accepted, ${r.rowsRejected} rejected${reasons ? ` — ${reasons}` : ''}`);
    }
    for (const failure of failures) console.error(`  error: ${failure}`);
  }
  if (failures.length > 0) return EXIT_USAGE;
  return rejected > 0 ? EXIT_FAILURE : EXIT_OK;
};
