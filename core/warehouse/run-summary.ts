/**
 * Reading one part of a published run's summary (`runs/<runId>.summary.json`, written by publish): the
 * part the schema describes, or undefined when the file is missing, unreadable or has no such part (a
 * summary written by an earlier release). Callers decide what "unknown" means for them.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import type { WarehouseLayout } from './layout.js';

export function readRunSummaryPart<T extends z.ZodType>(layout: WarehouseLayout, runId: string, schema: T): z.infer<T> | undefined {
  try {
    return schema.parse(JSON.parse(readFileSync(layout.runSummary(runId), 'utf8')));
  } catch {
    return undefined;
  }
}
