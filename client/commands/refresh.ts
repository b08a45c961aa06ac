import { configFingerprint } from '../../core/config/fingerprint.js';
import type { LoadedConfig } from '../../core/config/load.js';
import { loadConfigFrom } from '../config-path.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit-codes.js';
import { formatSummary } from '../format-summary.js';
import { checkConfigBeforeRun } from '../preflight.js';
import { createProgressPrinter } from '../progress-printer.js';
import { refreshNow, waitForRefresh } from '../refresh-now.js';
import { connectClient } from '../temporal-connection.js';
import { rootCauseMessage } from '../failure-message.js';
import { noWorkerWarning, notPickedUpWarning, watchForPickup, workerIsPolling, type PickupWatch } from '../worker-presence.js';
import type { CommandHandler } from '../cli.js';

/** How long `--wait` gives a worker to pick the refresh up before saying none did (CONSENT_PICKUP_WARNING_MS overrides, for tests). */
const PICKUP_WARNING_MS = 10_000;

function pickupWarningMs(env: NodeJS.ProcessEnv = process.env): number {
  const override = Number(env['CONSENT_PICKUP_WARNING_MS']);
  return Number.isFinite(override) && override > 0 ? override : PICKUP_WARNING_MS;
}

/** The warning when the worker ran another version of the config than the file holds now. */
export function staleWorkerConfigWarning(config: LoadedConfig): string {
  return (
    `the worker ran this refresh with the config it loaded when it started, which differs from ${config.configFile} as it is now ` +
    '(purposes, sources, matching, segments, exports or retention changed): restart the worker for the change to take effect'
  );
}

/** `consent refresh [--wait]`: refresh now; with --wait, live progress and the summary, non-zero on failure. */
export const runRefreshCommand: CommandHandler = async ({ config: configPath, wait, json }) => {
  const config = loadConfigFrom(configPath);
  // What `npm start` and `consent validate` check before a run (rules compile, export fields resolve; the
  // sources are the refresh's to read): a bad config is exit 2 naming its key, and no refresh starts.
  checkConfigBeforeRun(config);
  const { client, connection } = await connectClient(config);
  let pickup: PickupWatch | undefined;
  try {
    const noPoller = (await workerIsPolling(client, config)) === false;
    if (noPoller) console.error(`warning: ${noWorkerWarning(config)}`);
    // The server lists a stopped worker's poller for minutes: --wait also watches the refresh itself.
    if (wait && !noPoller) {
      const afterMs = pickupWarningMs();
      pickup = watchForPickup(client, { afterMs, onNotPickedUp: () => console.error(`warning: ${notPickedUpWarning(config, afterMs)}`) });
    }
    const started = await refreshNow(client, config, {
      waitForStart: wait,
      onQueued: (running) => {
        pickup?.watch(running);
        console.error(
          `a refresh is running (workflow ${running.workflowId}); one follow-up refresh is queued to start when it ends` +
            (wait ? '; waiting for it' : ''),
        );
      },
    });
    if (!started.queued) console.error(`refresh started: workflow ${started.workflowId}`);
    if (!wait) return EXIT_OK;
    pickup?.watch(started);
    try {
      const result = await waitForRefresh(client, started, createProgressPrinter());
      console.log(json ? JSON.stringify(result, null, 2) : formatSummary(result));
      if (result.configFingerprint !== undefined && result.configFingerprint !== configFingerprint(config)) console.error(`warning: ${staleWorkerConfigWarning(config)}`);
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
    await pickup?.stop();
    await connection.close();
  }
};
