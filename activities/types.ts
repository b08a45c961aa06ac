/**
 * Inputs and outputs of the refresh activities: ids, names, paths and counts only — never rows or
 * personal data (they are stored in Temporal's history and shown in the Web UI).
 */
import { z } from 'zod';

const runId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/);
const index = z.number().int().min(0);

/** Opaque warehouse id (`wh-` + 12 hex digits), as core/warehouse/warehouse-id.ts makes it. */
const warehouseIdSchema = z.string().regex(/^wh-[0-9a-f]{12}$/);
export const planInputSchema = z.strictObject({ runId, warehouseId: warehouseIdSchema.optional() });
export const runRefSchema = z.strictObject({ runId, previousRunId: runId.nullable() });
export const importInputSchema = runRefSchema.extend({ sourceIndex: index });
export const unifyInputSchema = runRefSchema.extend({ runStartedAt: z.string().datetime() });
export const segmentInputSchema = runRefSchema.extend({ segmentIndex: index });
export const exportInputSchema = runRefSchema.extend({ exportIndex: index, runStartedAt: z.string().datetime() });
export const publishInputSchema = runRefSchema.extend({ summary: z.record(z.string(), z.unknown()) });
export const discardInputSchema = z.strictObject({ runId });
export const deliverInputSchema = z.strictObject({ runId, exportIndex: index });

export type PlanInput = z.infer<typeof planInputSchema>;
export type RunRef = z.infer<typeof runRefSchema>;
export type ImportInput = z.infer<typeof importInputSchema>;
export type UnifyInput = z.infer<typeof unifyInputSchema>;
export type SegmentInput = z.infer<typeof segmentInputSchema>;
export type ExportInput = z.infer<typeof exportInputSchema>;
export type PublishInput = z.infer<typeof publishInputSchema>;
export type DiscardInput = z.infer<typeof discardInputSchema>;
export type DeliverInput = z.infer<typeof deliverInputSchema>;

export interface RefreshPlan {
  readonly runId: string;
  readonly previousRunId: string | null;
  /** The task queue of the worker host that holds this run's database file. */
  readonly hostTaskQueue: string;
  readonly configName: string;
  /** configFingerprint of the config this worker runs (core/config/fingerprint.ts). */
  readonly configFingerprint?: string;
  /** Sources the previous run imported that the config no longer has (core/pipeline/dropped-sources.ts). */
  readonly droppedSources?: readonly string[];
  readonly searchAttributes: boolean;
  readonly sources: readonly { index: number; name: string; type: string; format: string }[];
  readonly segments: readonly { index: number; name: string }[];
  readonly exports: readonly { index: number; name: string; segment: string; purpose: string; format: string; http: boolean }[];
}

export interface SourceImportSummary {
  readonly source: string;
  readonly rowsRead: number;
  readonly rowsAccepted: number;
  readonly rowsRejected: number;
  readonly consentFacts: number;
  /** Rejected rows that withdraw consent for a known person and purpose (ImportResult.rejectedWithdrawals). */
  readonly rejectedWithdrawals: number;
  readonly topRejectReasons: readonly { reason: string; count: number }[];
}

export interface PublishResult {
  readonly runId: string;
  readonly publishedAt: string;
  readonly exportFiles: readonly string[];
  readonly prunedRuns: readonly string[];
  /** Exports the previous run published that this run no longer does: their latest files were removed. */
  readonly retiredExports?: readonly string[];
}
