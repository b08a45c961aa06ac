/**
 * The worker's log lines: plain text for people, or one JSON object per line for log collectors. Logs leave
 * the process, so they hold run ids, names and counts only: fields with personal-data names are dropped,
 * nested values (rows, records) are never written, and e-mail addresses or international phone numbers
 * found in any text are masked as a last line of defence.
 */
import type { LogLevel } from '@temporalio/common';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';

export type LogFormat = 'text' | 'json';
export type LogFieldValue = string | number | boolean | null;
export type LogFields = Readonly<Record<string, unknown>>;

export interface WorkerLogger {
  readonly format: LogFormat;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  readonly format?: LogFormat;
  /** Receives each finished line (default: stdout, WARN and ERROR to stderr). */
  readonly write?: (line: string, level: LogLevel) => void;
  readonly clock?: () => Date;
  /** Fields on every line, e.g. the service name and host queue. */
  readonly base?: LogFields;
  /** Lines below this level are not written (default INFO). */
  readonly level?: LogLevel;
}

const SEVERITY: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

/** Field names that may hold personal data: never logged, whatever their value. */
const PERSONAL_KEY = /e-?mail|phone|mobile|msisdn|first_?name|last_?name|full_?name|given_?name|surname|birth|dob|street|postal|post_?code|zip|ssn|ip_?addr|customer_?name/i;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;
/** `+` and at least 7 digits (separators allowed): an international phone number, never a count. */
const PHONE = /\+\d(?:[\s().-]*\d){6,}/g;

/** Masks e-mail addresses and international phone numbers in free text. */
export function scrubText(text: string): string {
  return text.replace(EMAIL, '[email]').replace(PHONE, '[phone]');
}

/** Keeps scalar fields with safe names; Errors become their (scrubbed) message; anything else is dropped. */
export function safeFields(fields: LogFields | undefined): Record<string, LogFieldValue> {
  const out: Record<string, LogFieldValue> = {};
  for (const [key, value] of Object.entries(fields ?? {})) {
    if (PERSONAL_KEY.test(key) || value === undefined) continue;
    if (value instanceof Error) out[key] = scrubText(value.message);
    else if (typeof value === 'string') out[key] = scrubText(value);
    else if (typeof value === 'number' || typeof value === 'boolean' || value === null) out[key] = value;
    else if (typeof value === 'bigint') out[key] = value.toString();
  }
  return out;
}

/** Formats one line; `time` and `level` come first so lines sort and grep well. */
export function formatLine(format: LogFormat, time: Date, level: LogLevel, message: string, fields: LogFields | undefined): string {
  const safe = safeFields(fields);
  const msg = scrubText(message);
  if (format === 'json') return JSON.stringify({ time: time.toISOString(), level: level.toLowerCase(), msg, ...safe });
  const extra = Object.entries(safe).map(([key, value]) => `${key}=${typeof value === 'string' && /\s/.test(value) ? JSON.stringify(value) : String(value)}`);
  const prefix = SEVERITY[level] >= SEVERITY.WARN ? [`[${level}]`] : [];
  return [...prefix, msg, ...extra].join(' ');
}

function writeStd(line: string, level: LogLevel): void {
  (SEVERITY[level] >= SEVERITY.WARN ? process.stderr : process.stdout).write(`${line}\n`);
}

export function createLogger(options: LoggerOptions = {}): WorkerLogger {
  const format = options.format ?? 'text';
  const write = options.write ?? writeStd;
  const clock = options.clock ?? (() => new Date());
  const threshold = SEVERITY[options.level ?? 'INFO'];
  const emit = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (SEVERITY[level] < threshold) return;
    write(formatLine(format, clock(), level, message, { ...options.base, ...fields }), level);
  };
  return { format, debug: emit('DEBUG'), info: emit('INFO'), warn: emit('WARN'), error: emit('ERROR') };
}

/**
 * The activities' `log` dependency: their lines read `run <runId>: <what happened>`; the run id becomes a
 * field so collectors can group a run's lines.
 */
export function activityLog(logger: WorkerLogger): (line: string) => void {
  return (line) => {
    const match = /^run (\S+): (.*)$/s.exec(line);
    if (match) logger.info(match[2]!, { runId: match[1]! });
    else logger.info(line);
  };
}

/**
 * A Temporal SDK logger (for `Runtime.install`) writing through the same format and scrubbing: SDK, workflow
 * and activity context logs (workflow ids, task queues, activity types) become lines like ours.
 */
export function temporalLogger(level: LogLevel, options: Omit<LoggerOptions, 'level'> = {}): DefaultLogger {
  const format = options.format ?? 'text';
  const write = options.write ?? writeStd;
  return new DefaultLogger(level, (entry: LogEntry) => {
    const time = new Date(Number(entry.timestampNanos / 1_000_000n));
    // Metadata scalars (sdkComponent, workflowId, taskQueue, activityType…) are kept; nested objects are dropped.
    write(formatLine(format, time, entry.level, entry.message, { ...options.base, ...(entry.meta as LogFields | undefined) }), entry.level);
  });
}
