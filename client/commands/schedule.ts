import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { loadConfigFrom } from '../config-path.js';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import { checkConfigBeforeRun } from '../preflight.js';
import { keptPausedNote, OPERATOR_PAUSE_NOTE, takeOverWarning, upsertSchedule } from '../schedule.js';
import { noWorkerWarning, workerIsPolling } from '../worker-presence.js';
import { connectClient } from '../temporal-connection.js';
import type { CommandHandler } from '../cli.js';

const ACTIONS = ['create', 'describe', 'pause', 'unpause', 'trigger', 'delete'] as const;

/** `consent schedule create|describe|pause|unpause|trigger|delete`. */
export const runScheduleCommand: CommandHandler = async ({ positionals, config: configPath, json }) => {
  const action = positionals[0];
  if (!action || !(ACTIONS as readonly string[]).includes(action)) {
    throw new CliError(`usage: consent schedule ${ACTIONS.join('|')} [--config PATH]`, EXIT_USAGE);
  }
  const config = loadConfigFrom(configPath);
  // Creating or triggering a schedule starts refreshes: a config `consent validate` rejects is exit 2 here too.
  if (action === 'create' || action === 'trigger') checkConfigBeforeRun(config);
  const { client, connection } = await connectClient(config);
  const handle = client.schedule.getHandle(config.schedule.id);
  try {
    switch (action) {
      case 'create': {
        const { created, tookOverFrom, keptPaused } = await upsertSchedule(client, config);
        if (tookOverFrom !== undefined) console.error(takeOverWarning(config, tookOverFrom));
        console.log(`schedule ${config.schedule.id} ${created ? 'created' : 'updated'}`);
        if (keptPaused) console.log(keptPausedNote(config));
        break;
      }
      case 'describe': {
        const d = await handle.describe();
        const summary = {
          id: d.scheduleId,
          paused: d.state.paused,
          note: d.state.note ?? null,
          spec: { configuredCron: config.schedule.cron ?? null, calendars: d.spec.calendars?.length ?? 0, intervals: d.spec.intervals ?? [], timezone: d.spec.timezone ?? 'UTC' },
          overlap: d.policies.overlap,
          catchupWindow: d.policies.catchupWindow,
          nextRuns: d.info.nextActionTimes.slice(0, 5).map((t) => t.toISOString()),
          recentRuns: d.info.recentActions.slice(-5).map((a) => ({ workflowId: a.action.workflow.workflowId, takenAt: a.takenAt.toISOString() })),
          running: d.info.runningActions.map((a) => a.workflow.workflowId),
        };
        console.log(json ? JSON.stringify(summary, null, 2) : Object.entries(summary).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join('\n'));
        break;
      }
      case 'pause':
        await handle.pause(OPERATOR_PAUSE_NOTE);
        console.log(`schedule ${config.schedule.id} paused`);
        break;
      case 'unpause':
        await handle.unpause('unpaused with consent schedule unpause');
        console.log(`schedule ${config.schedule.id} unpaused`);
        break;
      case 'trigger':
        await handle.trigger(ScheduleOverlapPolicy.BUFFER_ONE);
        console.log(`schedule ${config.schedule.id} triggered`);
        if ((await workerIsPolling(client, config)) === false) console.error(`warning: ${noWorkerWarning(config)}`);
        break;
      case 'delete':
        await handle.delete();
        console.log(`schedule ${config.schedule.id} deleted`);
        break;
    }
    return EXIT_OK;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) throw new CliError(`schedule ${config.schedule.id} does not exist; create it with \`consent schedule create\``, EXIT_FAILURE);
    throw error;
  } finally {
    await connection.close();
  }
};
