/**
 * `npm run worker -- [--config PATH]`: a standalone refresh worker (production / several workers).
 *
 * Environment (overrides the config file): CONSENT_TEMPORAL_ADDRESS, CONSENT_TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, CONSENT_METRICS_ADDRESS, CONSENT_LOG_FORMAT, CONSENT_TEMPORAL_LOG_LEVEL.
 * SIGTERM / SIGINT: stop polling, let running activities finish (shutdownGraceTime), close the run
 * databases and the connection, exit 0.
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '../core/errors.js';
import { loadConfigFrom } from '../client/config-path.js';
import { connectClient, connectWorker, ensureSearchAttributes, withTemporalEnv } from '../client/temporal-connection.js';
import { createRefreshWorkers } from './create-worker.js';
import { activityLog, createLogger, type LogFormat, type WorkerLogger } from './logger.js';
import { DEFAULT_SHUTDOWN_SIGNALS, installRuntime, workerRuntimeSettings } from './runtime.js';

async function main(logger: { current: WorkerLogger }): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string' } } });
  const config = withTemporalEnv(loadConfigFrom(values.config));
  const settings = workerRuntimeSettings(config);
  const log = createLogger({ format: settings.logFormat, base: settings.logFormat === 'json' ? { service: 'consent-worker' } : {} });
  logger.current = log;

  // Before any native connection: the runtime's logger, metrics endpoint and shutdown signals are fixed at install.
  installRuntime({
    metricsAddress: settings.metricsAddress,
    logFormat: settings.logFormat,
    ...(settings.logFormat === 'json' ? { logBase: { service: 'consent-worker' } } : {}),
    shutdownSignals: DEFAULT_SHUTDOWN_SIGNALS,
  });

  const { connection } = await connectClient(config);
  const searchAttributes = await ensureSearchAttributes(connection, config.temporal.namespace);
  await connection.close();
  const workerConnection = await connectWorker(config);
  const workers = await createRefreshWorkers({ config, connection: workerConnection, searchAttributes, log: activityLog(log) });
  if (settings.logFormat === 'json') {
    log.info('worker started', {
      taskQueue: config.temporal.taskQueue,
      hostTaskQueue: workers.hostTaskQueue,
      temporalAddress: config.temporal.address,
      namespace: config.temporal.namespace,
      metricsAddress: settings.metricsAddress ?? null,
      searchAttributes,
    });
  } else {
    const metrics = settings.metricsAddress ? `, metrics at http://${settings.metricsAddress}/metrics` : '';
    log.info(`worker: task queues ${config.temporal.taskQueue} and ${workers.hostTaskQueue} at ${config.temporal.address}${metrics}`);
  }
  // Resolves once a shutdown signal has drained both workers (and the run databases are closed).
  await workers.run();
  await workerConnection.close();
  log.info('worker stopped');
}

const logger = { current: createLogger({ format: (process.env['CONSENT_LOG_FORMAT']?.trim().toLowerCase() === 'json' ? 'json' : 'text') satisfies LogFormat }) };
main(logger).catch((error: unknown) => {
  logger.current.error(error instanceof Error ? error.message : String(error), { errorType: error instanceof Error ? error.name : 'unknown' });
  process.exit(error instanceof ConfigError ? 2 : 1);
});
