/** The Temporal Core runtime, installed once per process: SDK logs at WARN so info-level output stays ours. */
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

let installed = false;

export function installRuntime(level: LogLevel = (process.env['CONSENT_TEMPORAL_LOG_LEVEL'] as LogLevel | undefined) ?? 'WARN'): void {
  if (installed) return;
  installed = true;
  try {
    Runtime.install({ logger: new DefaultLogger(level) });
  } catch {
    // Already installed by the host process (e.g. a test harness): keep theirs.
  }
}
