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
    },
    memo: { warehouse: config.warehouse },
    policies: { overlap: ScheduleOverlapPolicy.BUFFER_ONE, catchupWindow: schedule.catchupWindow as '1h', pauseOnFailure: false },
    state: { paused: schedule.paused, note: schedule.paused ? 'paused by config' : 'created from config' },
  };
}

/** The warehouse a schedule refreshes, as far as it says: the id in its workflow input and the folder in its memo. */
function scheduledWarehouse(description: ScheduleDescription): { id?: string; folder?: string } {
  const action = description.action as { args?: unknown[] };
  const input = action.args?.[0] as Partial<RefreshInput> | undefined;
  const folder = description.memo?.['warehouse'];
  return { ...(input?.warehouseId ? { id: input.warehouseId } : {}), ...(typeof folder === 'string' ? { folder } : {}) };
}

/**
 * Refuses a schedule that refreshes another warehouse: two configs with one `schedule.id` would otherwise
 * take the schedule over from each other, and refreshes of one would be sent to the other's worker. Refused
 * only when both warehouse ids are known and differ and the folders differ too: the same folder with a new
 * id (the warehouse was deleted and re-created) is still this config's.
 */
export function assertScheduleServesWarehouse(description: ScheduleDescription, config: LoadedConfig): void {
  const theirs = scheduledWarehouse(description);
  const ourId = readWarehouseId(warehouseLayout(config.warehouse));
  // The same warehouse (wherever its folder is now), or no way to tell: the schedule or this machine does not
  // know a warehouse id (e.g. the CLI runs where the warehouse folder is not visible).
  if (theirs.id === undefined || ourId === undefined || theirs.id === ourId) return;
  if (theirs.folder === config.warehouse) return; // the same folder, its warehouse deleted and re-created
  const where = theirs.folder ?? `the warehouse with id ${theirs.id}`;
  throw new ConfigError(
    'schedule.id',
    `schedule "${config.schedule.id}" already refreshes another warehouse (${where}); give this config its own schedule.id ` +
      `(this warehouse: ${config.warehouse}), or delete that schedule if its warehouse is gone (consent schedule delete)`,
  );
}

/** Creates the schedule, or updates it to match the config when it exists (idempotent). */
export async function upsertSchedule(client: Client, config: LoadedConfig): Promise<{ handle: ScheduleHandle; created: boolean }> {
  const options = scheduleOptions(config);
  try {
    const handle = await client.schedule.create(options);
    return { handle, created: true };
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    const handle = client.schedule.getHandle(options.scheduleId);
    assertScheduleServesWarehouse(await handle.describe(), config);
    await handle.update((previous) => ({
      ...previous,
      spec: options.spec,
      action: options.action,
      policies: options.policies,
      state: { ...previous.state, paused: config.schedule.paused, note: previous.state.note },
    }));
    return { handle, created: false };
  }
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
