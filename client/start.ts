/**
 * `npm start` — embedded local mode (design §8): reuse or start a local Temporal dev server (state under the
 * warehouse folder, Web UI on :8233), start the worker, upsert the schedule, run one refresh now, print the
 * summary and the Web UI address. `--once` exits after that refresh; `--config PATH` picks the config.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, RuleError } from '../core/errors.js';
import { warehouseLayout } from '../core/warehouse/index.js';
import { createRefreshWorkers } from '../worker/create-worker.js';
import { ensureDevServer, parseAddress } from './dev-server.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { formatSummary } from './format-summary.js';
import { createProgressPrinter } from './progress-printer.js';
import { refreshNow, waitForRefresh } from './refresh-now.js';
import { keptPausedNote, takeOverWarning, upsertSchedule } from './schedule.js';
import { connectClient, connectWorker, ensureSearchAttributes } from './temporal-connection.js';
import { loadConfigFrom } from './config-path.js';
import { checkConfigBeforeRun, configNotes } from './preflight.js';
import { rootCauseMessage } from './failure-message.js';
import { installRuntime } from '../worker/runtime.js';

const UI_PORT = 8233;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { once: { type: 'boolean', default: false }, config: { type: 'string' }, help: { type: 'boolean', default: false } },
    allowPositionals: false,
  });
  if (values.help) {
    console.log('usage: npm start [-- --once] [-- --config PATH]');
    return EXIT_OK;
  }
  const config = loadConfigFrom(values.config);
  checkConfigBeforeRun(config);
  // The embedded worker's own warnings (activity failures with stack traces) stay off the terminal: the
  // refresh's outcome is printed below. CONSENT_TEMPORAL_LOG_LEVEL brings them back.
  installRuntime(process.env['CONSENT_TEMPORAL_LOG_LEVEL'] ? {} : { level: 'ERROR' });
  const log = (line: string) => console.error(line);
  log(`config: ${config.configFile}`);
  for (const note of configNotes(config)) log(`note: ${note}`);
  const layout = warehouseLayout(config.warehouse);
  const { host, port } = parseAddress(config.temporal.address);
  const server = await ensureDevServer({
    address: config.temporal.address,
    namespace: config.temporal.namespace,
    stateDir: layout.temporalDir,
    uiPort: ['localhost', '127.0.0.1', '0.0.0.0'].includes(host) ? UI_PORT + (port - 7233) : null,
    detached: true,
    log,
  });
  if (!server.started) log(`using the Temporal server already listening at ${config.temporal.address}`);
  const { client, connection } = await connectClient(config);
  const searchAttributes = await ensureSearchAttributes(connection, config.temporal.namespace);
  const workerConnection = await connectWorker(config);
  const workers = await createRefreshWorkers({ config, connection: workerConnection, searchAttributes, log });
  const running = workers.run();
  let code = EXIT_OK;
  try {
    const { created, tookOverFrom, keptPaused } = await upsertSchedule(client, config);
    if (tookOverFrom !== undefined) log(takeOverWarning(config, tookOverFrom));
    log(`schedule ${config.schedule.id} ${created ? 'created' : 'updated'} (${config.schedule.cron ? `cron ${config.schedule.cron}` : `every ${config.schedule.interval}`}, ${config.schedule.timezone}${config.schedule.paused || keptPaused ? ', paused' : ''})`);
    if (keptPaused) log(keptPausedNote(config));
    const started = await refreshNow(client, config);
    log(`refresh started: workflow ${started.workflowId}`);
    try {
      const result = await waitForRefresh(client, started, createProgressPrinter());
      console.log(formatSummary(result));
      if ((result.deliveries ?? []).some((d) => d.failedBatches > 0)) code = EXIT_FAILURE;
    } catch (error) {
      console.error(`refresh failed: ${rootCauseMessage(error)}`);
      code = EXIT_FAILURE;
    }
    const ui = server.uiUrl ?? `(the Web UI of your Temporal server)`;
    console.log(`Web UI: ${ui}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(started.workflowId)}`);
    const relative = path.relative(process.cwd(), config.warehouse);
    console.log(`Warehouse: ${relative === '' ? '.' : relative.startsWith('..') ? config.warehouse : relative}`);
    if (values.once) {
      if (server.started) console.log(`The Temporal dev server keeps running in the background (state in ${layout.temporalDir}); stop it with: npm run consent -- server stop`);
      return code;
    }
    console.log('Worker running; the schedule refreshes on its own. Ctrl-C to stop.');
    await running;
    return code;
  } finally {
    workers.shutdown();
    await running.catch(() => undefined);
    await workerConnection.close();
    await connection.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(error instanceof ConfigError || error instanceof RuleError ? EXIT_USAGE : EXIT_FAILURE);
  },
);
