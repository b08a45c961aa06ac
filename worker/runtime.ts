/**
 * The Temporal Core runtime, installed once per process: SDK logs at WARN so info-level output stays ours,
 * optionally in JSON, optionally with a Prometheus endpoint for the runtime's metrics (pollers, task slots,
 * schedule-to-start latency, activity and workflow task counts and failures).
 *
 * On SIGINT / SIGTERM the runtime shuts every worker down: polling stops, running activities get the
 * worker's shutdownGraceTime to finish, then are cancelled and handed back to Temporal for a retry.
 */
import { DefaultLogger, Runtime, type LogLevel, type RuntimeOptions } from '@temporalio/worker';
import type { LoadedConfig } from '../core/config/load.js';
import { ConfigError } from '../core/errors.js';
import { temporalLogger, type LogFormat } from './logger.js';

export const DEFAULT_SHUTDOWN_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

export interface RuntimeSettings {
  /** SDK log level (default: CONSENT_TEMPORAL_LOG_LEVEL, else WARN). */
  readonly level?: LogLevel;
  /** Serve Prometheus metrics on this `IP:port` (or port); off when unset. */
  readonly metricsAddress?: string;
  /** Format of the SDK's own log lines (default: the SDK's text format). */
  readonly logFormat?: LogFormat;
  /** Fields added to every SDK log line in JSON (e.g. the service name). */
  readonly logBase?: Readonly<Record<string, string>>;
  readonly shutdownSignals?: NodeJS.Signals[];
}

export interface InstalledRuntime {
  /** False when a runtime was installed before (by this module or a test harness): settings were not applied. */
  readonly installed: boolean;
  readonly metricsAddress?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

let installed = false;

const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

function defaultLevel(env: Env = process.env): LogLevel {
  const value = env['CONSENT_TEMPORAL_LOG_LEVEL']?.trim().toUpperCase();
  return value && (LEVELS as readonly string[]).includes(value) ? (value as LogLevel) : 'WARN';
}

/** `9464` → `0.0.0.0:9464`; `127.0.0.1:9464` and `[::]:9464` unchanged; empty → undefined. */
export function metricsBindAddress(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  return /^\d+$/.test(trimmed) ? `0.0.0.0:${trimmed}` : trimmed;
}

/**
 * The standalone worker's runtime settings: the config's `worker` section, overridden by
 * CONSENT_METRICS_ADDRESS and CONSENT_LOG_FORMAT (bad values are ConfigErrors naming the variable).
 */
export function workerRuntimeSettings(config: Pick<LoadedConfig, 'worker'>, env: Env = process.env): { metricsAddress?: string; logFormat: LogFormat } {
  const envAddress = env['CONSENT_METRICS_ADDRESS']?.trim();
  if (envAddress && !/^(?:(?:(?:\d{1,3}\.){3}\d{1,3}|\[[0-9A-Fa-f:.]+\]):)?\d{1,5}$/.test(envAddress)) {
    throw new ConfigError('CONSENT_METRICS_ADDRESS', `"${envAddress}" must be IP:port (e.g. 0.0.0.0:9464) or a port number`);
  }
  const envFormat = env['CONSENT_LOG_FORMAT']?.trim().toLowerCase();
  if (envFormat && envFormat !== 'text' && envFormat !== 'json') {
    throw new ConfigError('CONSENT_LOG_FORMAT', `"${envFormat}" must be text or json`);
  }
  const metricsAddress = metricsBindAddress(envAddress || config.worker.metricsAddress);
  return { ...(metricsAddress ? { metricsAddress } : {}), logFormat: (envFormat as LogFormat | undefined) || config.worker.logFormat };
}

/** The Runtime options for `settings` (exported for tests; {@link installRuntime} applies them). */
export function runtimeOptions(settings: RuntimeSettings = {}): RuntimeOptions {
  const level = settings.level ?? defaultLevel();
  const metricsAddress = metricsBindAddress(settings.metricsAddress);
  const logger = settings.logFormat ? temporalLogger(level, { format: settings.logFormat, ...(settings.logBase ? { base: settings.logBase } : {}) }) : new DefaultLogger(level);
  return {
    logger,
    ...(settings.shutdownSignals ? { shutdownSignals: settings.shutdownSignals } : {}),
    telemetryOptions: {
      // Core's own (Rust) log lines go through the same logger, so they share its format.
      ...(settings.logFormat ? { logging: { filter: { core: level, other: 'ERROR' }, forward: {} } } : {}),
      ...(metricsAddress ? { metrics: { prometheus: { bindAddress: metricsAddress } } } : {}),
    },
  };
}

export function installRuntime(settings: RuntimeSettings = {}): InstalledRuntime {
  if (installed) return { installed: false };
  installed = true;
  try {
    Runtime.install(runtimeOptions(settings));
  } catch {
    // Already installed by the host process (e.g. a test harness): keep theirs.
    return { installed: false };
  }
  const metricsAddress = metricsBindAddress(settings.metricsAddress);
  return { installed: true, ...(metricsAddress ? { metricsAddress } : {}) };
}
