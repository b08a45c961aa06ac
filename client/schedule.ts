/**
 * The refresh Schedule (design §7): one per warehouse, id from config, overlap policy BUFFER_ONE so two
 * refreshes of one warehouse never run at once (a request during a run queues exactly one follow-up).
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription, type ScheduleHandle, type ScheduleOptions } from '@temporalio/client';
import type { LoadedConfig } from '../core/config/load.js';
import { ConfigError } from '../core/errors.js';
import { readWarehouseId, warehouseLayout } from '../core/warehouse/index.js';
import type { RefreshInput } from '../workflows/refresh-types.js';

export const REFRESH_WORKFLOW_TYPE = 'RefreshWorkflow';

export function scheduleOptions(config: LoadedConfig): ScheduleOptions {
  const { schedule, temporal } = config;
  const warehouseId = readWarehouseId(warehouseLayout(config.warehouse));
  // With the warehouse's id (once its worker has run), only that worker plans the run; without, any worker.
  const input: RefreshInput = { trigger: 'schedule', ...(warehouseId ? { warehouseId } : {}) };
  return {
    scheduleId: schedule.id,
    spec: {
      ...(schedule.cron ? { cronExpressions: [schedule.cron] } : {}),
      ...(schedule.interval ? { intervals: [{ every: schedule.interval as '1h' }] } : {}),
      timezone: schedule.timezone,
    },
    action: {
      type: 'startWorkflow',
      workflowType: REFRESH_WORKFLOW_TYPE,
      workflowId: `${schedule.id}`,
      taskQueue: temporal.taskQueue,
      args: [input],
      staticSummary: `consent refresh (${config.configFile.split(/[\\/]/).pop()})`,
      staticDetails: `Consent refresh of warehouse ${config.warehouse}: import ${config.sources.length} sources, unify, ${config.segments.length} segments, ${config.exports.length} exports, publish.`,
      // The warehouse folder travels with the action, so it changes whenever the action does.
      memo: { warehouse: config.warehouse },
    },
    policies: { overlap: ScheduleOverlapPolicy.BUFFER_ONE, catchupWindow: schedule.catchupWindow as '1h', pauseOnFailure: false },
    state: { paused: schedule.paused, note: schedule.paused ? 'paused by config' : 'created from config' },
  };
}

/** The warehouse a schedule refreshes, as far as it says: the id in its workflow input and the folder in its action's memo. */
function scheduledWarehouse(description: ScheduleDescription): { id?: string; folder?: string } {
  const action = description.action as { args?: unknown[]; memo?: Record<string, unknown> };
  const input = action.args?.[0] as Partial<RefreshInput> | undefined;
  const folder = action.memo?.['warehouse'];
  return { ...(input?.warehouseId ? { id: input.warehouseId } : {}), ...(typeof folder === 'string' ? { folder } : {}) };
}

/**
 * The other warehouse a schedule refreshes, or undefined when it refreshes this config's warehouse (or
 * there is no way to tell). "Other" needs both warehouse ids known and different, and another folder: the
 * same folder with a new id is this warehouse deleted and re-created; a CLI that cannot see the warehouse
 * folder (remote, or before its first worker) knows no id and cannot tell.
 */
export function otherScheduledWarehouse(description: ScheduleDescription, config: LoadedConfig): string | undefined {
  const theirs = scheduledWarehouse(description);
  const ourId = readWarehouseId(warehouseLayout(config.warehouse));
  if (theirs.id === undefined || ourId === undefined || theirs.id === ourId) return undefined;
  if (theirs.folder === config.warehouse) return undefined;
  return theirs.folder ?? `the warehouse with id ${theirs.id}`;
}

/**
 * "Refresh now" for this config must not start another warehouse's refresh (the run would wait for a
 * worker of that warehouse, or build the wrong one): refused, saying how to take the schedule back.
 */
export function assertScheduleServesWarehouse(description: ScheduleDescription, config: LoadedConfig): void {
  const other = otherScheduledWarehouse(description, config);
  if (other === undefined) return;
  throw new ConfigError(
    'schedule.id',
    `schedule "${config.schedule.id}" refreshes another warehouse (${other}), not ${config.warehouse}: give each config its own ` +
      'schedule.id, or take the schedule over for this config with npm start or consent schedule create',
  );
}

export interface UpsertedSchedule {
  readonly handle: ScheduleHandle;
  readonly created: boolean;
  /** The other warehouse the schedule refreshed before this upsert took it over (see otherScheduledWarehouse). */
  readonly tookOverFrom?: string;
  /** The schedule was paused by an operator and stays paused (the config does not say paused). */
  readonly keptPaused?: boolean;
}

/**
 * Creates the schedule, or updates it to match the config when it exists (idempotent). A schedule of
 * another warehouse with the same id is taken over (the config is explicit about its schedule), and the
 * caller is told so it can warn: that warehouse is no longer refreshed on schedule.
 */
/** The note `consent schedule pause` leaves on the schedule: how an upsert tells an operator's pause from the config's. */
export const OPERATOR_PAUSE_NOTE = 'paused with consent schedule pause';

/** The note printed when an upsert kept an operator's pause. */
export function keptPausedNote(config: LoadedConfig): string {
  return `note: schedule "${config.schedule.id}" stays paused (paused with consent schedule pause); resume it with consent schedule unpause`;
}

export async function upsertSchedule(client: Client, config: LoadedConfig): Promise<UpsertedSchedule> {
  const options = scheduleOptions(config);
  try {
    const handle = await client.schedule.create(options);
    return { handle, created: true };
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    const handle = client.schedule.getHandle(options.scheduleId);
    const tookOverFrom = otherScheduledWarehouse(await handle.describe(), config);
    let keptPaused = false;
    await handle.update((previous) => {
      // An operator's pause (consent schedule pause) outlives an upsert: `npm start` or a redeploy must not
      // silently resume refreshes someone stopped. `consent schedule unpause` resumes them.
      keptPaused = previous.state.paused && previous.state.note === OPERATOR_PAUSE_NOTE && !config.schedule.paused;
      return {
        ...previous,
        spec: options.spec,
        action: options.action,
        policies: options.policies,
        state: { ...previous.state, paused: config.schedule.paused || keptPaused, note: previous.state.note },
      };
    });
    return { handle, created: false, ...(keptPaused ? { keptPaused } : {}), ...(tookOverFrom === undefined ? {} : { tookOverFrom }) };
  }
}

/** The warning for a schedule taken over from another warehouse. */
export function takeOverWarning(config: LoadedConfig, other: string): string {
  return (
    `warning: schedule "${config.schedule.id}" refreshed another warehouse (${other}); it now refreshes ${config.warehouse}, ` +
    'and the other one is no longer refreshed on schedule. Give each config its own schedule.id to keep both.'
  );
}

/** The schedule's description, or undefined when it does not exist. */
export async function describeSchedule(client: Client, scheduleId: string): Promise<ScheduleDescription | undefined> {
  try {
    return await client.schedule.getHandle(scheduleId).describe();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return undefined;
    throw error;
  }
}
