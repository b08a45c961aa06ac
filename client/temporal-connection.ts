/** Connections to Temporal for the CLI, embedded mode and the worker. */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { LoadedConfig } from '../core/config/load.js';
import { installRuntime } from '../worker/runtime.js';
import { REFRESH_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

export async function connectClient(config: LoadedConfig): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: '10 seconds' });
  return { client: new Client({ connection, namespace: config.temporal.namespace }), connection };
}

export function connectWorker(config: LoadedConfig): Promise<NativeConnection> {
  installRuntime();
  return NativeConnection.connect({ address: config.temporal.address });
}

/**
 * Makes sure the refresh search attributes exist (the dev server registers them at start; other servers
 * may need them added). Returns false when they are missing and cannot be added: the workflow then skips them.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<boolean> {
  const wanted = Object.values(REFRESH_SEARCH_ATTRIBUTES).map((key) => key.name);
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const known = new Set(Object.keys({ ...(existing.customAttributes ?? {}), ...(existing.systemAttributes ?? {}) }));
    const missing = wanted.filter((name) => !known.has(name));
    if (missing.length === 0) return true;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, 2 /* KEYWORD */])),
    });
    return true;
  } catch {
    return false;
  }
}
