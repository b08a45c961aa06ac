/**
 * For the profiling scripts: times every DuckDB statement of this process by wrapping
 * `DuckDBConnection.prototype.run` / `runAndReadAll` (any connection, including the core's own).
 */
import { DuckDBConnection } from '@duckdb/node-api';

export interface StatementTiming {
  /** performance.now() when the statement started. */
  readonly startedMs: number;
  readonly ms: number;
  /** The SQL text with whitespace collapsed. */
  readonly sql: string;
}

export function timeEveryStatement(record: (timing: StatementTiming) => void): void {
  for (const method of ['run', 'runAndReadAll'] as const) {
    const original = DuckDBConnection.prototype[method] as (...args: unknown[]) => Promise<unknown>;
    (DuckDBConnection.prototype as unknown as Record<string, unknown>)[method] = async function (this: DuckDBConnection, ...args: unknown[]) {
      const startedMs = performance.now();
      try {
        return await original.apply(this, args);
      } finally {
        record({ startedMs, ms: performance.now() - startedMs, sql: String(args[0]).replace(/\s+/g, ' ').trim() });
      }
    };
  }
}
