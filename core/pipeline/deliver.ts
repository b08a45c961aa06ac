/** After publish: deliver an export to its HTTP destination from the published (read-only) run. */
import type { LoadedConfig } from '../config/load.js';
import { pushExport, type DeliveryResult, type PushOptions } from '../exports/index.js';
import { openPublishedRun, type WarehouseLayout } from '../warehouse/index.js';

export async function deliverExport(config: LoadedConfig, layout: WarehouseLayout, runId: string, exportIndex: number, options: PushOptions = {}): Promise<DeliveryResult> {
  const instance = await openPublishedRun(layout, runId);
  const connection = await instance.connect();
  try {
    return await pushExport(connection, config, exportIndex, runId, options);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
