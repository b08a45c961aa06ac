/** Real Temporal client + refresh workers against the test dev server (no mocks). */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { LoadedConfig } from '../../core/config/load.js';
import { createRefreshWorkers, type RefreshWorkers } from '../../worker/create-worker.js';
import { installRuntime } from '../../worker/runtime.js';

export function uniqueQueue(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export interface TestRuntime {
  readonly client: Client;
  readonly workers: RefreshWorkers;
  stop(): Promise<void>;
}

/** Starts the refresh workers for `config` and a client; `stop()` shuts everything down. */
export async function startRuntime(config: LoadedConfig): Promise<TestRuntime> {
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  installRuntime();
  const workerConnection = await NativeConnection.connect({ address: config.temporal.address });
  const workers = await createRefreshWorkers({
    config,
    connection: workerConnection,
    searchAttributes: true,
  });
  const running = workers.run();
  return {
    client,
    workers,
    stop: async () => {
      workers.shutdown();
      await running;
      await workerConnection.close();
      await connection.close();
    },
  };
}
