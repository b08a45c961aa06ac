/** Workflow input, result and progress: ids, names and counts only. */
export interface RefreshInput {
  /** Who asked for this refresh: the schedule, or a person ("refresh now"). */
  readonly trigger?: 'schedule' | 'manual';
  /**
   * The warehouse this refresh is for (core/warehouse/warehouse-id.ts): planning goes to that warehouse's
   * worker, so configs sharing a task queue never build each other's runs. Absent: any worker plans it.
   */
  readonly warehouseId?: string;
}

export type RefreshStage = 'planning' | 'importing' | 'unifying' | 'segmenting' | 'exporting' | 'publishing' | 'published' | 'failed';

export interface RefreshProgress {
  readonly runId: string | null;
  readonly stage: RefreshStage;
  readonly trigger: 'schedule' | 'manual';
  readonly startedAt: string;
  readonly sources: Record<string, { rowsRead: number; rowsRejected: number } | 'running'>;
  readonly customers: number | null;
  readonly segments: Record<string, { members: number; added: number; removed: number } | 'running'>;
  readonly exports: Record<string, { rowsWritten: number; heldBack: number } | 'running'>;
  readonly error: string | null;
}

export interface RefreshResult {
  readonly runId: string;
  readonly trigger: 'schedule' | 'manual';
  readonly startedAt: string;
  readonly publishedAt: string;
  readonly sources: readonly { source: string; rowsRead: number; rowsAccepted: number; rowsRejected: number; consentFacts: number; rejectedWithdrawals?: number; topRejectReasons: readonly { reason: string; count: number }[] }[];
  readonly unify: {
    readonly profileRecords: number;
    readonly customers: number;
    readonly mergedRecords: number;
    readonly refusedKeys: number;
    readonly refusedClusters: number;
    readonly consentFacts: number;
    readonly attachedFacts: number;
    readonly orphanFacts: number;
    readonly orphanWithdrawals?: number;
    readonly effectiveGranted: Record<string, number>;
  };
  readonly segments: readonly { segment: string; members: number; added: number; removed: number; unchanged: number }[];
  readonly exports: readonly {
    export: string;
    segment: string;
    purpose: string;
    rowsWritten: number;
    segmentMembers: number;
    heldBack: number;
    added: number;
    removed: number;
    withdrawals: number;
    withdrawalLatencyMaxHours: number | null;
    withdrawalLatencyMedianHours: number | null;
  }[];
  readonly exportFiles: readonly string[];
  /** Fingerprint of the config the worker ran (consent refresh --wait warns when the file has changed since). */
  readonly configFingerprint?: string;
  /** Sources the previous run imported that the config no longer has: their records no longer count. */
  readonly droppedSources?: readonly string[];
  /** HTTP deliveries after publish, one per export with an http destination, with per-batch outcomes. */
  readonly deliveries: readonly {
    export: string;
    host: string;
    rowsDelivered: number;
    failedBatches: number;
    batches: readonly { kind: string; batch: number; rows: number; status: number | null; attempts: number; ok: boolean; error: string | null }[];
  }[];
}
