/**
 * The refresh activities: thin adapters from Temporal to the domain core. Dependencies come in through
 * `createActivities(deps)`; every input is validated with zod; every error becomes a Temporal failure
 * without personal data (see failures.ts). All of them are idempotent per run id.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { LoadedConfig } from '../core/config/load.js';
import { faultPoint } from '../core/fault-points.js';
import { runExport, type DeliveryResult, type ExportResult } from '../core/exports/index.js';
import { deliverExport, discardRun, droppedSources, publishRun } from '../core/pipeline/index.js';
import { combineImports, importSource } from '../core/import/index.js';
import { buildSegment, compileSegment, type SegmentResult } from '../core/segments/index.js';
import { unify, type UnifyResult } from '../core/unify/index.js';
import { readCurrentRun, type RunDatabases, type WarehouseLayout } from '../core/warehouse/index.js';
import { withFailures } from './failures.js';
import { configFingerprint } from '../core/config/fingerprint.js';
import {
  deliverInputSchema,
  discardInputSchema,
  exportInputSchema,
  importInputSchema,
  planInputSchema,
  publishInputSchema,
  segmentInputSchema,
  unifyInputSchema,
  type DeliverInput,
  type DiscardInput,
  type ExportInput,
  type ImportInput,
  type PlanInput,
  type PublishInput,
  type PublishResult,
  type RefreshPlan,
  type SegmentInput,
  type SourceImportSummary,
  type UnifyInput,
} from './types.js';

export interface ActivityDeps {
  readonly config: LoadedConfig;
  readonly layout: WarehouseLayout;
  readonly runDatabases: RunDatabases;
  /** The task queue this worker listens on for run-local activities (its warehouse's queue). */
  readonly hostTaskQueue: string;
  /** The warehouse this worker writes (core/warehouse/warehouse-id.ts); undefined in bare activity tests. */
  readonly warehouseId?: string;
  /** Whether the refresh search attributes are registered on the server. */
  readonly searchAttributes: boolean;
  readonly clock: () => Date;
  readonly log?: (message: string) => void;
}

function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // Not inside an activity context (direct calls in tests): nothing to report to.
  }
}

export function createActivities(deps: ActivityDeps) {
  const { config, layout, runDatabases } = deps;
  const log = deps.log ?? (() => undefined);

  return {
    /** Checks the config compiles, picks this host for the run and names the previous published run. */
    planRefresh: withFailures(async (raw: PlanInput): Promise<RefreshPlan> => {
      const input = planInputSchema.parse(raw);
      if (input.warehouseId !== undefined && deps.warehouseId !== undefined && input.warehouseId !== deps.warehouseId) {
        // Only reachable when a run is routed by hand to the wrong queue: never plan another warehouse's run.
        throw ApplicationFailure.create({
          type: 'InvalidActivityInput',
          message: `run ${input.runId} is for warehouse ${input.warehouseId}; this worker writes ${deps.warehouseId}`,
          nonRetryable: true,
        });
      }
      config.segments.forEach((_, index) => compileSegment(config, index));
      const current = readCurrentRun(layout);
      const previousRunId = current && existsSync(layout.runDatabase(current.runId)) ? current.runId : null;
      return {
        runId: input.runId,
        previousRunId,
        hostTaskQueue: deps.hostTaskQueue,
        configName: path.basename(config.configFile),
        configFingerprint: configFingerprint(config),
        droppedSources: droppedSources(layout, config, previousRunId),
        searchAttributes: deps.searchAttributes,
        sources: config.sources.map((source, index) => ({ index, name: source.name, type: source.type, format: source.format })),
        segments: config.segments.map((segment, index) => ({ index, name: segment.name })),
        exports: config.exports.map((exportConfig, index) => ({
          index,
          name: exportConfig.name,
          segment: exportConfig.segment,
          purpose: exportConfig.purpose,
          format: exportConfig.format,
          http: exportConfig.http !== undefined,
        })),
      };
    }),

    importSource: withFailures(async (raw: ImportInput): Promise<SourceImportSummary> => {
      const input = importInputSchema.parse(raw);
      const run = runDatabases.run(input.runId, input.previousRunId);
      heartbeat({ stage: 'import', sourceIndex: input.sourceIndex });
      await faultPoint('import.before');
      const result = await run.withConnection((connection) =>
        importSource(connection, config, input.sourceIndex, { onProgress: (rowsRead) => heartbeat({ rowsRead }), runStartedAt: deps.clock(), refuseAllRejected: true }),
      );
      await faultPoint('import.after');
      log(`run ${input.runId}: imported source ${result.source}: ${result.rowsRead} rows, ${result.rowsRejected} rejected`);
      if (result.rejectedWithdrawals > 0) {
        log(`run ${input.runId}: source ${result.source}: ${result.rejectedWithdrawals} rejected rows withdraw consent (bad date or blank consent id); older grants still decide for those people until the source is fixed`);
      }
      return result;
    }),

    unifyCustomers: withFailures(async (raw: UnifyInput): Promise<UnifyResult> => {
      const input = unifyInputSchema.parse(raw);
      const run = runDatabases.run(input.runId, input.previousRunId);
      heartbeat({ stage: 'unify' });
      const result = await run.withConnection(async (connection) => {
        await combineImports(connection, config);
        return unify(connection, config, { runId: input.runId, runStartedAt: new Date(input.runStartedAt), hasPrevious: input.previousRunId !== null });
      });
      await faultPoint('unify.after');
      log(`run ${input.runId}: unified ${result.profileRecords} records into ${result.customers} customers`);
      return result;
    }),

    buildSegment: withFailures(async (raw: SegmentInput): Promise<SegmentResult> => {
      const input = segmentInputSchema.parse(raw);
      const run = runDatabases.run(input.runId, input.previousRunId);
      const result = await run.withConnection((connection) => buildSegment(connection, config, input.segmentIndex));
      await faultPoint('segment.after');
      return result;
    }),

    writeExport: withFailures(async (raw: ExportInput): Promise<ExportResult> => {
      const input = exportInputSchema.parse(raw);
      const run = runDatabases.run(input.runId, input.previousRunId);
      heartbeat({ stage: 'export', exportIndex: input.exportIndex });
      const result = await run.withConnection((connection) =>
        runExport(connection, config, input.exportIndex, { runId: input.runId, runStartedAt: new Date(input.runStartedAt) }),
      );
      await faultPoint('export.after');
      return result;
    }),

    /** Makes the run current: finish its tables, close its file, write its summary, swap current.json, publish export files. */
    publishRun: withFailures(async (raw: PublishInput): Promise<PublishResult> => {
      const input = publishInputSchema.parse(raw);
      const published = await publishRun({ config, layout, runDatabases, clock: deps.clock }, input.runId, input.previousRunId, input.summary);
      const retired = published.retiredExports.length > 0 ? `, retired ${published.retiredExports.length} exports no longer in the config` : '';
      log(`run ${input.runId}: published (${published.exportFiles.length} export files, pruned ${published.prunedRuns.length} runs${retired})`);
      return published;
    }),

    /** After publish: POST an export (or its delta) to its HTTP destination in batches; outcomes per batch. */
    deliverExport: withFailures(async (raw: DeliverInput): Promise<DeliveryResult> => {
      const input = deliverInputSchema.parse(raw);
      const result = await deliverExport(config, layout, input.runId, input.exportIndex, {
        onBatch: (outcome) => heartbeat({ kind: outcome.kind, batch: outcome.batch, ok: outcome.ok }),
      });
      log(`run ${input.runId}: delivered export ${result.export} to ${result.host}: ${result.rowsDelivered} rows, ${result.failedBatches} failed batches`);
      return result;
    }),

    /** Cleans up a run that will not publish: closes and deletes its database and per-run export folders. */
    discardRun: withFailures(async (raw: DiscardInput): Promise<{ runId: string; discarded: boolean }> => {
      const input = discardInputSchema.parse(raw);
      const discarded = await discardRun({ config, layout, runDatabases }, input.runId);
      if (discarded) log(`run ${input.runId}: discarded`);
      return { runId: input.runId, discarded };
    }),
  };
}

export type RefreshActivities = ReturnType<typeof createActivities>;
