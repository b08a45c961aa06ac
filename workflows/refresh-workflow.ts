/**
 * RefreshWorkflow: orchestration only (design §1, §7). Plan, then every stage, on the queue of the one
 * worker that writes the run's warehouse (input.warehouseId; without it, planning on the shared queue picks
 * the worker): imports ∥ → unify → segments ∥ → exports ∥ → publish.
 * A run that fails or is cancelled is discarded; the published results are never touched.
 * Deterministic: no I/O, no clocks but the workflow's own; state visible through a query, memo, search
 * attributes and current details — counts and names only, never personal data.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  defineQuery,
  defineSignal,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { RefreshActivities } from '../activities/index.js';
import type { RefreshPlan, SourceImportSummary } from '../activities/types.js';
import { REFRESH_SEARCH_ATTRIBUTES } from './search-attributes.js';
import type { RefreshInput, RefreshProgress, RefreshResult, RefreshStage } from './refresh-types.js';

export const progressQuery = defineQuery<RefreshProgress>('progress');
export const markManualSignal = defineSignal('markManual');

const NON_RETRYABLE = ['ConfigError', 'RuleError', 'SourceError', 'InvalidActivityInput', 'RunSupersededError'];

const planOptions: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
};

/** Options for run-local activities; `heavy` ones (imports, unify, exports) get long timeouts and heartbeats. */
function hostOptions(taskQueue: string, kind: 'heavy' | 'light', summary?: string): ActivityOptions {
  return {
    taskQueue,
    startToCloseTimeout: kind === 'heavy' ? '2 hours' : '10 minutes',
    // A host that never comes back must not block the schedule forever.
    scheduleToStartTimeout: '30 minutes',
    // Every activity heartbeats while it runs (activities/failures.ts): a dead worker is noticed in 20 s.
    heartbeatTimeout: '20 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
    ...(summary ? { summary } : {}),
  };
}

const planner = proxyActivities<RefreshActivities>(planOptions);

/** `run-20261129T043000Z-1a2b3c` from the workflow's deterministic clock and random source. */
function makeRunId(startTime: Date): string {
  const stamp = startTime.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `run-${stamp}-${uuid4().slice(0, 6)}`;
}

/** Like Promise.all, but waits for every activity to settle before failing, so cleanup never races a running one. */
async function allSettledOrThrow<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
}

/** The type of the application failure at the root of an activity failure, if any. */
function rootFailureType(error: unknown): string | undefined {
  let current: unknown = error;
  while (current instanceof ActivityFailure && current.cause) current = current.cause;
  return current instanceof ApplicationFailure ? current.type ?? undefined : undefined;
}

function failureMessage(error: unknown): string {
  let current: unknown = error;
  while (current instanceof ActivityFailure && current.cause) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

export async function RefreshWorkflow(input: RefreshInput = {}): Promise<RefreshResult> {
  const info = workflowInfo();
  let trigger: 'schedule' | 'manual' = input.trigger ?? 'manual';
  const startedAt = new Date(info.startTime ?? Date.now()).toISOString();
  const runId = makeRunId(new Date(startedAt));
  let progress: RefreshProgress = { runId, stage: 'planning', trigger, startedAt, sources: {}, customers: null, segments: {}, exports: {}, error: null };
  let searchAttributes = false;
  setHandler(progressQuery, () => progress);
  // "Refresh now" triggers the schedule (so overlap is impossible) and then marks the run as manual.
  setHandler(markManualSignal, () => {
    trigger = 'manual';
    progress = { ...progress, trigger };
    upsertMemo({ trigger });
    if (searchAttributes) upsertSearchAttributes([{ key: REFRESH_SEARCH_ATTRIBUTES.trigger, value: trigger }]);
  });

  const stage = (next: RefreshStage, details: string, memo: Record<string, unknown> = {}) => {
    progress = { ...progress, stage: next };
    setCurrentDetails(`**${next}** — run ${runId}\n\n${details}`);
    upsertMemo({ runId, trigger, stage: next, ...memo });
    if (searchAttributes) {
      upsertSearchAttributes([
        { key: REFRESH_SEARCH_ATTRIBUTES.runId, value: runId },
        { key: REFRESH_SEARCH_ATTRIBUTES.trigger, value: trigger },
        { key: REFRESH_SEARCH_ATTRIBUTES.outcome, value: next === 'published' || next === 'failed' ? next : 'running' },
      ]);
    }
  };

  const plan: RefreshPlan = input.warehouseId
    ? // On the warehouse's own queue: only its worker may plan (and so build) the run; if that worker never comes, the run fails.
      await proxyActivities<RefreshActivities>({ ...planOptions, taskQueue: `${info.taskQueue}@${input.warehouseId}`, scheduleToStartTimeout: '30 minutes' }).planRefresh({
        runId,
        warehouseId: input.warehouseId,
      })
    : await planner.planRefresh({ runId });
  searchAttributes = plan.searchAttributes;
  const host = proxyActivities<RefreshActivities>(hostOptions(plan.hostTaskQueue, 'light'));
  const run = { runId, previousRunId: plan.previousRunId };
  stage('importing', `${plan.sources.length} sources`, { configName: plan.configName, previousRunId: plan.previousRunId });

  try {
    const sources = await allSettledOrThrow(
      plan.sources.map(async (source): Promise<SourceImportSummary> => {
        progress = { ...progress, sources: { ...progress.sources, [source.name]: 'running' } };
        const result = await host.importSource.executeWithOptions(hostOptions(plan.hostTaskQueue, 'heavy', `import ${source.name} (${source.format})`), [
          { ...run, sourceIndex: source.index },
        ]);
        progress = { ...progress, sources: { ...progress.sources, [source.name]: { rowsRead: result.rowsRead, rowsRejected: result.rowsRejected } } };
        return result;
      }),
    );
    const rowsRead = sources.reduce((sum, s) => sum + s.rowsRead, 0);
    const rowsRejected = sources.reduce((sum, s) => sum + s.rowsRejected, 0);
    stage('unifying', `${rowsRead} rows read, ${rowsRejected} rejected`, { rowsRead, rowsRejected });

    const unified = await host.unifyCustomers.executeWithOptions(hostOptions(plan.hostTaskQueue, 'heavy', 'unify profiles and effective consent'), [
      { ...run, runStartedAt: startedAt },
    ]);
    progress = { ...progress, customers: unified.customers };
    stage('segmenting', `${unified.customers} customers from ${unified.profileRecords} profile records`, {
      customers: unified.customers,
      orphanConsentRecords: unified.orphanFacts,
    });

    const segments = await allSettledOrThrow(
      plan.segments.map(async (segment) => {
        progress = { ...progress, segments: { ...progress.segments, [segment.name]: 'running' } };
        const result = await host.buildSegment.executeWithOptions(hostOptions(plan.hostTaskQueue, 'light', `segment ${segment.name}`), [
          { ...run, segmentIndex: segment.index },
        ]);
        progress = { ...progress, segments: { ...progress.segments, [segment.name]: { members: result.members, added: result.added, removed: result.removed } } };
        return result;
      }),
    );
    stage('exporting', segments.map((s) => `${s.segment}: ${s.members} (+${s.added} −${s.removed})`).join(', ') || 'no segments', {
      segmentSizes: Object.fromEntries(segments.map((s) => [s.segment, s.members])),
    });

    const exports = await allSettledOrThrow(
      plan.exports.map(async (exportPlan) => {
        progress = { ...progress, exports: { ...progress.exports, [exportPlan.name]: 'running' } };
        const result = await host.writeExport.executeWithOptions(
          hostOptions(plan.hostTaskQueue, 'heavy', `export ${exportPlan.name} (${exportPlan.format}, purpose ${exportPlan.purpose})`),
          [{ ...run, exportIndex: exportPlan.index, runStartedAt: startedAt }],
        );
        progress = { ...progress, exports: { ...progress.exports, [exportPlan.name]: { rowsWritten: result.rowsWritten, heldBack: result.heldBack } } };
        return result;
      }),
    );
    stage('publishing', exports.map((e) => `${e.export}: ${e.rowsWritten} rows, ${e.heldBack} held back`).join(', ') || 'no exports', {
      exportRows: Object.fromEntries(exports.map((e) => [e.export, e.rowsWritten])),
      heldBack: exports.reduce((sum, e) => sum + e.heldBack, 0),
    });

    const summary = {
      trigger,
      startedAt,
      sources,
      unify: unified,
      segments,
      exports: exports.map(({ runManifest: _manifest, ...rest }) => rest),
      ...(plan.droppedSources?.length ? { droppedSources: plan.droppedSources } : {}),
    };
    const published = await host.publishRun.executeWithOptions(hostOptions(plan.hostTaskQueue, 'light', 'publish run'), [{ ...run, summary }]);
    stage('published', `published at ${published.publishedAt}`, { publishedAt: published.publishedAt });

    // HTTP destinations are served from the published run, so downstream never sees an unpublished one.
    const deliveries = await allSettledOrThrow(
      plan.exports
        .filter((exportPlan) => exportPlan.http)
        .map((exportPlan) =>
          host.deliverExport.executeWithOptions(hostOptions(plan.hostTaskQueue, 'heavy', `deliver ${exportPlan.name} (http)`), [{ runId, exportIndex: exportPlan.index }]),
        ),
    );
    if (deliveries.length > 0) {
      upsertMemo({ deliveredRows: Object.fromEntries(deliveries.map((d) => [d.export, d.rowsDelivered])), failedBatches: deliveries.reduce((sum, d) => sum + d.failedBatches, 0) });
    }
    return { runId, trigger, startedAt, publishedAt: published.publishedAt, sources, unify: unified, segments, exports: summary.exports, exportFiles: published.exportFiles, deliveries,
      ...(plan.configFingerprint === undefined ? {} : { configFingerprint: plan.configFingerprint }),
      ...(plan.droppedSources?.length ? { droppedSources: plan.droppedSources } : {}) };
  } catch (error) {
    const message = failureMessage(error);
    progress = { ...progress, error: message };
    stage('failed', message, { error: message });
    await CancellationScope.nonCancellable(() => host.discardRun({ runId }));
    if (isCancellation(error)) throw error;
    // Another refresh of this warehouse published first (it was started outside the schedule's overlap
    // policy): this run is thrown away and the refresh starts over against the new current run.
    if (rootFailureType(error) === 'RunSupersededError') await continueAsNew<typeof RefreshWorkflow>({ ...input, trigger });
    throw ApplicationFailure.create({ type: 'RefreshFailed', message: `refresh ${runId} failed: ${message}`, nonRetryable: true, cause: error as Error });
  }
}
