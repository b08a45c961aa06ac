/**
 * The "current" pointer: which published run readers should use. Publishing replaces current.json
 * atomically; a run's database file is complete and closed before it is pointed to.
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-file.js';
import type { WarehouseLayout } from './layout.js';

export const currentRunSchema = z.object({
  runId: z.string(),
  publishedAt: z.string(),
  previousRunId: z.string().nullable(),
});
export type CurrentRun = z.infer<typeof currentRunSchema>;

export function readCurrentRun(layout: WarehouseLayout): CurrentRun | undefined {
  if (!existsSync(layout.currentFile)) return undefined;
  const parsed = currentRunSchema.safeParse(JSON.parse(readFileSync(layout.currentFile, 'utf8')));
  if (!parsed.success) throw new Error(`${layout.currentFile} is corrupt: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

export function writeCurrentRun(layout: WarehouseLayout, current: CurrentRun): void {
  writeFileAtomic(layout.currentFile, `${JSON.stringify(current, null, 2)}\n`);
}
