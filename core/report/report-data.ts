/**
 * What a run report shows: counts, names and run ids only — never a key, a value or a customer id.
 * Collected by collect-report-data.ts, rendered by render-report.ts.
 */
import { z } from 'zod';

export interface SourceFigures {
  readonly source: string;
  readonly sourceType: string;
  readonly format: string;
  readonly rowsRead: number;
  readonly rowsAccepted: number;
  readonly rowsRejected: number;
  readonly consentFacts: number;
}

export interface RejectFigures {
  readonly source: string;
  readonly reason: string;
  readonly rows: number;
}

export interface CustomerFigures {
  readonly customers: number;
  readonly profileRecords: number;
  /** Customers made of two or more profile records. */
  readonly mergedCustomers: number;
  readonly largestCluster: number;
  /** How many customers have 1, 2, … source records (buckets in order). */
  readonly recordCounts: readonly { readonly bucket: string; readonly customers: number }[];
}

export interface MergeRefusalFigures {
  readonly keyKind: string;
  readonly reason: string;
  readonly keys: number;
  readonly records: number;
}

export interface OrphanFigures {
  readonly source: string;
  readonly reason: string;
  readonly facts: number;
}

export interface ConsentFigures {
  readonly purpose: string;
  readonly customers: number;
  readonly granted: number;
  /** Per basis ('record', 'default', 'expired'): customers granted and denied. */
  readonly byBasis: readonly { readonly basis: string; readonly granted: number; readonly denied: number }[];
}

export interface SegmentFigures {
  readonly segment: string;
  readonly members: number;
  readonly added: number;
  readonly removed: number;
}

export interface ExportFigures {
  readonly export: string;
  readonly segment: string;
  readonly purpose: string;
  readonly rowsWritten: number;
  readonly segmentMembers: number | null;
  readonly heldBack: number;
  readonly added: number;
  readonly removed: number;
}

/** One retained published run, from its summary file: the points of the history charts. */
export interface HistoryPoint {
  readonly runId: string;
  readonly publishedAt: string;
  readonly customers: number;
  readonly segments: Readonly<Record<string, number>>;
  /** Share (0..1) of customers whose effective consent is granted, per purpose. */
  readonly optInRates: Readonly<Record<string, number>>;
}

export interface ReportData {
  readonly runId: string;
  readonly previousRunId: string | null;
  readonly publishedAt: string | null;
  readonly startedAt: string | null;
  readonly trigger: string | null;
  readonly generatedAt: string;
  readonly sources: readonly SourceFigures[];
  readonly rejects: readonly RejectFigures[];
  readonly customers: CustomerFigures;
  readonly mergeRefusals: readonly MergeRefusalFigures[];
  readonly orphans: readonly OrphanFigures[];
  readonly consent: readonly ConsentFigures[];
  readonly segments: readonly SegmentFigures[];
  readonly exports: readonly ExportFigures[];
  /** Oldest first; includes this run. */
  readonly history: readonly HistoryPoint[];
}

const count = z.number().int().nonnegative();

/** The parts of `<runId>.summary.json` the report reads; anything else in the file is ignored. */
export const runSummarySchema = z.object({
  runId: z.string(),
  previousRunId: z.string().nullable().optional(),
  publishedAt: z.string().optional(),
  startedAt: z.string().optional(),
  trigger: z.string().optional(),
  sources: z.array(z.object({ source: z.string(), rowsRead: count, rowsAccepted: count, rowsRejected: count })).default([]),
  unify: z.object({ customers: count, effectiveGranted: z.record(z.string(), count).default({}) }).optional(),
  segments: z.array(z.object({ segment: z.string(), members: count, added: count.optional(), removed: count.optional() })).default([]),
  exports: z
    .array(
      z.object({
        export: z.string(),
        segment: z.string(),
        purpose: z.string(),
        rowsWritten: count,
        segmentMembers: count.optional(),
        heldBack: count,
        added: count.default(0),
        removed: count.default(0),
      }),
    )
    .default([]),
});
export type RunSummary = z.infer<typeof runSummarySchema>;
