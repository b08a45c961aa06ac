import { queryRows } from '../../core/db/connection.js';
import { loadConfigFrom } from '../config-path.js';
import { withCurrentRun } from '../current-run-reader.js';
import { EXIT_OK } from '../exit-codes.js';
import type { CommandHandler } from '../cli.js';

/** `consent segments`: each segment's size in the current run and added/removed since the run before. */
export const runSegmentsCommand: CommandHandler = async ({ config: configPath, json }) => {
  const config = loadConfigFrom(configPath);
  const rows = await withCurrentRun(config, async (connection, current) => {
    const stats = await queryRows<{ segment: string; members: string; added: string; removed: string }>(connection, {
      sql: 'SELECT segment, members, added, removed FROM segment_stats ORDER BY segment',
    });
    return { runId: current.runId, segments: stats.map((s) => ({ segment: s.segment, members: Number(s.members), added: Number(s.added), removed: Number(s.removed) })) };
  });
  if (json) {
    console.log(JSON.stringify(rows, null, 2));
    return EXIT_OK;
  }
  console.log(`current run ${rows.runId}`);
  for (const s of rows.segments) console.log(`  ${s.segment}: ${s.members} members (+${s.added} −${s.removed} since the run before)`);
  if (rows.segments.length === 0) console.log('  (no segments)');
  return EXIT_OK;
};
