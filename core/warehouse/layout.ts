/**
 * Where things live in the warehouse folder:
 *   runs/<runId>.duckdb        one database per run (published runs are never written again)
 *   runs/<runId>.summary.json  the run summary (counts only), written at publish
 *   current.json               { runId, ... } of the current published run, replaced atomically
 *   temporal/                  local dev-server state (embedded mode)
 *   reports/                   run reports
 */
import path from 'node:path';

export interface WarehouseLayout {
  readonly root: string;
  readonly runsDir: string;
  readonly currentFile: string;
  readonly temporalDir: string;
  readonly reportsDir: string;
  runDatabase(runId: string): string;
  runSummary(runId: string): string;
}

const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Run ids become file names: only a safe character set is accepted. */
export function assertRunId(runId: string): string {
  if (!RUN_ID_PATTERN.test(runId)) throw new Error(`invalid run id "${runId}"`);
  return runId;
}

export function warehouseLayout(root: string): WarehouseLayout {
  const runsDir = path.join(root, 'runs');
  return {
    root,
    runsDir,
    currentFile: path.join(root, 'current.json'),
    temporalDir: path.join(root, 'temporal'),
    reportsDir: path.join(root, 'reports'),
    runDatabase: (runId) => path.join(runsDir, `${assertRunId(runId)}.duckdb`),
    runSummary: (runId) => path.join(runsDir, `${assertRunId(runId)}.summary.json`),
  };
}
