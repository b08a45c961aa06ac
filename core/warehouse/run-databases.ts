/**
 * The run databases this process has open for writing. Each run file is opened once per process
 * (opening a file twice is unsafe) and closed before it is published, so readers in other processes
 * can then open it read-only.
 */
import { mkdirSync, existsSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { writableFileOptions, type DuckDbSettings } from '../db/connection.js';
import { quoteLiteral } from '../sql/identifiers.js';
import type { WarehouseLayout } from './layout.js';

export interface RunHandle {
  readonly runId: string;
  readonly file: string;
  /** Runs `work` on a new connection with the previous published run ATTACHed read-only as `prev` when given. */
  withConnection<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T>;
}

export class RunDatabases {
  private readonly open = new Map<string, Promise<DuckDBInstance>>();

  constructor(
    private readonly layout: WarehouseLayout,
    private readonly settings: DuckDbSettings,
  ) {}

  private instanceOptions(): Record<string, string> {
    const options: Record<string, string> = writableFileOptions();
    if (this.settings.memoryLimit) options['memory_limit'] = this.settings.memoryLimit;
    if (this.settings.threads) options['threads'] = String(this.settings.threads);
    if (this.settings.tempDirectory) options['temp_directory'] = this.settings.tempDirectory;
    return options;
  }

  private instance(runId: string): Promise<DuckDBInstance> {
    let instance = this.open.get(runId);
    if (!instance) {
      mkdirSync(this.layout.runsDir, { recursive: true });
      instance = DuckDBInstance.create(this.layout.runDatabase(runId), this.instanceOptions());
      this.open.set(runId, instance);
      instance.catch(() => this.open.delete(runId));
    }
    return instance;
  }

  /** A handle on the run's database; `previousRunId` is ATTACHed read-only as `prev` on each connection. */
  run(runId: string, previousRunId: string | null): RunHandle {
    const file = this.layout.runDatabase(runId);
    const prevFile = previousRunId ? this.layout.runDatabase(previousRunId) : undefined;
    return {
      runId,
      file,
      withConnection: async <T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> => {
        const instance = await this.instance(runId);
        const connection = await instance.connect();
        try {
          if (prevFile && existsSync(prevFile)) {
            await connection.run(`ATTACH IF NOT EXISTS ${quoteLiteral(prevFile)} AS prev (READ_ONLY)`);
          }
          return await work(connection);
        } finally {
          connection.closeSync();
        }
      },
    };
  }

  /** Checkpoints (unless discarding) and closes the run's database (no-op when this process does not have it open). */
  async close(runId: string, options: { checkpoint?: boolean } = {}): Promise<void> {
    const pending = this.open.get(runId);
    if (!pending) return;
    this.open.delete(runId);
    const instance = await pending.catch(() => undefined);
    if (!instance) return;
    if (options.checkpoint === false) {
      instance.closeSync();
      return;
    }
    const connection = await instance.connect();
    try {
      await connection.run('FORCE CHECKPOINT');
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }

  /** The runs this process is writing right now (opened and not yet closed). */
  openRunIds(): string[] {
    return [...this.open.keys()];
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.open.keys()].map((runId) => this.close(runId)));
  }
}

/** Opens a published run read-only (for CLI look-ups and reports). */
export async function openPublishedRun(layout: WarehouseLayout, runId: string): Promise<DuckDBInstance> {
  return DuckDBInstance.create(layout.runDatabase(runId), { access_mode: 'READ_ONLY' });
}
