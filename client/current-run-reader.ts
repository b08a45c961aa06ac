/** Read-only access to the current published run, safe while the next refresh is being built. */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { LoadedConfig } from '../core/config/load.js';
import { openPublishedRun, readCurrentRun, warehouseLayout, type CurrentRun } from '../core/warehouse/index.js';
import { CliError, EXIT_FAILURE } from './exit-codes.js';

export async function withCurrentRun<T>(config: LoadedConfig, work: (connection: DuckDBConnection, current: CurrentRun) => Promise<T>): Promise<T> {
  const layout = warehouseLayout(config.warehouse);
  // current.json can move on between reading it and opening the file (retention); retry once on a vanished run.
  for (let attempt = 0; ; attempt += 1) {
    const current = readCurrentRun(layout);
    if (!current) throw new CliError(`no published run yet in ${config.warehouse}; run \`consent refresh --wait\` or \`npm start -- --once\``, EXIT_FAILURE);
    let instance;
    try {
      instance = await openPublishedRun(layout, current.runId);
    } catch (error) {
      if (attempt < 2) continue;
      throw error;
    }
    const connection = await instance.connect();
    try {
      return await work(connection, current);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }
}
