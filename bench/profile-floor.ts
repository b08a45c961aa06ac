/**
 * Per-statement profile of a whole refresh without Temporal (`refreshLocally`, the benchmark's floor):
 *
 *   npx tsx bench/profile-floor.ts [--scale 1] [--top 12]
 *
 * Uses the generated dataset of the scale (bench/generate-data.ts; generated when missing) and a fresh
 * warehouse. Times every DuckDB statement (`run` / `runAndReadAll` on any connection, wall time; statements
 * of parallel activities overlap) and prints per stage its wall time, the SQL time inside it, and its
 * longest statements. Stage wall time minus SQL time is what the stage spends outside DuckDB (file hashing,
 * manifests, report).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateDataset } from './generate-data.js';
import { timeEveryStatement, type StatementTiming } from './statement-timer.js';
import { runFloor } from './variants.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));

const seconds = (ms: number) => `${(ms / 1000).toFixed(2).padStart(7)} s`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { scale: { type: 'string', default: '1' }, top: { type: 'string', default: '12' } } });
  const scale = Number(values.scale);
  const top = Number(values.top);
  const dataset = await generateDataset(path.join(BENCH_DIR, 'out', `data-s${String(scale).replace('.', '_')}`), { scale, reuse: true });
  const timings: StatementTiming[] = [];
  timeEveryStatement((timing) => timings.push(timing));
  const started = performance.now();
  const result = await runFloor(dataset.csvConfig);
  const total = performance.now() - started;
  console.log(`floor at scale ${scale}: ${seconds(total)} (${timings.length} statements)`);
  // Stages ran one after the other in refreshLocally's order: assign each statement to the stage whose
  // time window contains its start.
  let stageStart = started;
  for (const [stage, ms] of Object.entries(result.stageMs)) {
    const stageEnd = stageStart + ms;
    const inStage = timings.filter((t) => t.startedMs >= stageStart && t.startedMs < stageEnd);
    const sqlMs = inStage.reduce((sum, t) => sum + t.ms, 0);
    console.log(`\n${stage}: ${seconds(ms)} wall, ${seconds(sqlMs)} in ${inStage.length} statements (summed over parallel activities)`);
    for (const t of [...inStage].sort((a, b) => b.ms - a.ms).slice(0, top)) console.log(`  ${seconds(t.ms)}  ${t.sql.slice(0, 110)}`);
    stageStart = stageEnd;
  }
}

await main();
