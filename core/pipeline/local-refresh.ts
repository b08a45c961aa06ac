/**
 * A whole refresh in this process without Temporal: the same core functions, in the same order, that
 * the activities run. Used by tests of the data semantics and by the benchmark's "floor" measurement.
 */
import type { LoadedConfig } from '../config/load.js';
import { runExport, type DeliveryResult, type ExportResult, type PushOptions } from '../exports/index.js';
import { deliverExport } from './deliver.js';
import { combineImports, importSource, type ImportResult } from '../import/index.js';
import { buildSegment, type SegmentResult } from '../segments/index.js';
import { unify, type UnifyResult } from '../unify/index.js';
import { readCurrentRun, RunDatabases, warehouseLayout } from '../warehouse/index.js';
import { discardRun, publishRun, type PublishedRun } from './publish-run.js';
import { allSettledOrThrow } from './settle.js';

export interface LocalRefreshResult {
  readonly runId: string;
  readonly previousRunId: string | null;
  readonly sources: ImportResult[];
  readonly unify: UnifyResult;
  readonly segments: SegmentResult[];
  readonly exports: ExportResult[];
  readonly published: PublishedRun;
  readonly deliveries: DeliveryResult[];
  readonly stageMs: Record<string, number>;
}

export async function refreshLocally(config: LoadedConfig, options: { runId: string; runStartedAt?: Date; clock?: () => Date; push?: PushOptions }): Promise<LocalRefreshResult> {
  const clock = options.clock ?? (() => new Date());
  const runStartedAt = options.runStartedAt ?? clock();
  const layout = warehouseLayout(config.warehouse);
  const runDatabases = new RunDatabases(layout, config.duckdb);
  const current = readCurrentRun(layout);
  const previousRunId = current?.runId ?? null;
  const run = runDatabases.run(options.runId, previousRunId);
  const stageMs: Record<string, number> = {};
  const timed = async <T>(stage: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      stageMs[stage] = Math.round(performance.now() - started);
    }
  };
  try {
    const sources = await timed('import', () => allSettledOrThrow(config.sources.map((_, index) => run.withConnection((c) => importSource(c, config, index, { runStartedAt, refuseAllRejected: true })))));
    const unified = await timed('unify', () =>
      run.withConnection(async (c) => {
        await combineImports(c, config);
        return unify(c, config, { runId: options.runId, runStartedAt, hasPrevious: previousRunId !== null });
      }),
    );
    const segments = await timed('segments', () => allSettledOrThrow(config.segments.map((_, index) => run.withConnection((c) => buildSegment(c, config, index)))));
    const exports = await timed('exports', () =>
      allSettledOrThrow(config.exports.map((_, index) => run.withConnection((c) => runExport(c, config, index, { runId: options.runId, runStartedAt })))),
    );
    const summary = { trigger: 'local', startedAt: runStartedAt.toISOString(), sources, unify: unified, segments, exports };
    const published = await timed('publish', () => publishRun({ config, layout, runDatabases, clock }, options.runId, previousRunId, summary));
    const deliveries = await timed('deliver', () =>
      allSettledOrThrow(config.exports.flatMap((exportConfig, index) => (exportConfig.http ? [deliverExport(config, layout, options.runId, index, options.push)] : []))),
    );
    return { runId: options.runId, previousRunId, sources, unify: unified, segments, exports, published, deliveries, stageMs };
  } catch (error) {
    await discardRun({ config, layout, runDatabases }, options.runId);
    throw error;
  } finally {
    await runDatabases.closeAll();
  }
}
