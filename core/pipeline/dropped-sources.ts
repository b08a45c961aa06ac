/**
 * Sources the previous published run imported that the config no longer has. Snapshot semantics make
 * their records vanish with them — the withdrawals they carried included — so the run says so: a source
 * taken out by mistake brings back every grant it had overridden.
 */
import { z } from 'zod';
import type { LoadedConfig } from '../config/load.js';
import { readRunSummaryPart, type WarehouseLayout } from '../warehouse/index.js';

const summarySourcesSchema = z.object({ sources: z.array(z.object({ source: z.string() })).default([]) });

export function droppedSources(layout: WarehouseLayout, config: LoadedConfig, previousRunId: string | null): string[] {
  if (previousRunId === null) return [];
  // No readable summary: nothing to compare with.
  const before = (readRunSummaryPart(layout, previousRunId, summarySourcesSchema)?.sources ?? []).map((entry) => entry.source);
  const now = new Set(config.sources.map((source) => source.name));
  return before.filter((name) => !now.has(name)).sort();
}

/** The warning for dropped sources, or undefined when there are none. */
export function droppedSourcesWarning(names: readonly string[]): string | undefined {
  if (names.length === 0) return undefined;
  const list = names.map((name) => `"${name}"`).join(', ');
  return `WARNING: source${names.length === 1 ? '' : 's'} ${list} of the previous run ${names.length === 1 ? 'is' : 'are'} no longer in the config: ${names.length === 1 ? 'its' : 'their'} records, withdrawals included, no longer count.`;
}
