import { loadConfigFrom } from '../config-path.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes.js';
import { formatSummary } from '../format-summary.js';
import { createProgressPrinter } from '../progress-printer.js';
import { refreshNow, waitForRefresh } from '../refresh-now.js';
import { connectClient } from '../temporal-connection.js';
import { rootCauseMessage } from '../failure-message.js';
import { noWorkerWarning, workerIsPolling } from '../worker-presence.js';
import type { CommandHandler } from '../cli.js';

/** `consent refresh [--wait]`: refresh now; with --wait, live progress and the summary, non-zero on failure. */
export const runRefreshCommand: CommandHandler = async ({ config: configPath, wait, json }) => {
  const config = loadConfigFrom(configPath);
  const { client, connection } = await connectClient(config);
  try {
    const started = await refreshNow(client, config, { waitForStart: wait });
    console.error(
      started.queued
        ? `a refresh is running (workflow ${started.workflowId}); one follow-up refresh is queued to start when it ends`
        : `refresh started: workflow ${started.workflowId}`,
    );
    if ((await workerIsPolling(client, config)) === false) console.error(`warning: ${noWorkerWarning(config)}`);
    if (!wait) return EXIT_OK;
    try {
      const result = await waitForRefresh(client, started, createProgressPrinter());
      console.log(json ? JSON.stringify(result, null, 2) : formatSummary(result));
      const failedBatches = (result.deliveries ?? []).reduce((sum, d) => sum + d.failedBatches, 0);
      if (failedBatches > 0) {
        console.error(`published, but ${failedBatches} HTTP batches could not be delivered (see the summary)`);
        return EXIT_FAILURE;
      }
      return EXIT_OK;
    } catch (error) {
      console.error(`refresh failed: ${rootCauseMessage(error)}`);
      return EXIT_FAILURE;
    }
  } finally {
    await connection.close();
  }
};
