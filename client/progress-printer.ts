/**
 * Live progress: on a TTY one line per stage, rewritten in place while the stage runs;
 * otherwise (CI, pipes) a plain log line per change.
 */
import type { RefreshProgress } from '../workflows/refresh-types.js';
import { formatProgress } from './format-summary.js';

export function createProgressPrinter(stream: NodeJS.WriteStream = process.stderr): (progress: RefreshProgress) => void {
  let lastStage: string | undefined;
  const started = Date.now();
  return (progress) => {
    const elapsed = `${((Date.now() - started) / 1000).toFixed(1)}s`;
    const line = `${formatProgress(progress)}  (${elapsed})`;
    if (!stream.isTTY) {
      stream.write(`${line}\n`);
      return;
    }
    if (lastStage !== undefined && lastStage !== progress.stage) stream.write('\n');
    stream.write(`\r\x1b[2K${line.slice(0, Math.max(20, (stream.columns ?? 120) - 1))}`);
    lastStage = progress.stage;
    if (progress.stage === 'published' || progress.stage === 'failed') stream.write('\n');
  };
}
