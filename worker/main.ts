/** `npm run worker -- [--config PATH]`: a standalone refresh worker (production / several workers). */
import { parseArgs } from 'node:util';
import { ConfigError } from '../core/errors.js';
import { loadConfigFrom } from '../client/config-path.js';
import { connectClient, connectWorker, ensureSearchAttributes } from '../client/temporal-connection.js';
import { createRefreshWorkers } from './create-worker.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string' } } });
  const config = loadConfigFrom(values.config);
  const { connection } = await connectClient(config);
  const searchAttributes = await ensureSearchAttributes(connection, config.temporal.namespace);
  await connection.close();
  const workers = await createRefreshWorkers({ config, connection: await connectWorker(config), searchAttributes, log: (line) => console.log(line) });
  console.log(`worker: task queues ${config.temporal.taskQueue} and ${workers.hostTaskQueue} at ${config.temporal.address}`);
  await workers.run();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(error instanceof ConfigError ? 2 : 1);
});
