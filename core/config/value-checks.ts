/**
 * Checks of config values that would otherwise only fail at run time, far from the key that caused them:
 * cron expressions and time zones (Temporal refuses them when the schedule is created), strptime formats
 * and memory limits (DuckDB refuses them inside an activity, after retries). Each returns a problem to
 * report at the key, or undefined.
 */

const CRON_MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
/** The five standard fields: name, range, and the names allowed in place of numbers. */
const CRON_FIELDS: readonly { name: string; min: number; max: number; names?: readonly string[] }[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 7, names: DAYS },
];

function cronFieldProblem(text: string, field: (typeof CRON_FIELDS)[number]): string | undefined {
  for (const part of text.split(',')) {
    const [range, step, extra] = part.split('/');
    if (extra !== undefined || range === undefined || range === '') return `"${text}" is not a valid ${field.name} field`;
    if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `"${text}": the step after "/" must be a positive number`;
    if (range === '*' || range === '?') continue;
    for (const bound of range.split('-')) {
      const lower = bound.toLowerCase();
      if (field.names?.includes(lower)) continue;
      if (!/^\d+$/.test(bound)) return `"${text}" is not a valid ${field.name} field`;
      const value = Number(bound);
      if (value < field.min || value > field.max) return `${field.name} ${value} is out of range ${field.min}-${field.max}`;
    }
  }
  return undefined;
}

/**
 * A cron expression as Temporal schedules take it: a macro (@daily, @every 1h), or 5 fields (minute hour
 * day-of-month month day-of-week), 6 (… year) or 7 (second … year), optionally after CRON_TZ=<zone>.
 */
export function cronProblem(expression: string): string | undefined {
  let text = expression.trim();
  const zone = /^CRON_TZ=(\S+)\s+/.exec(text);
  if (zone) {
    const problem = timeZoneProblem(zone[1]!);
    if (problem !== undefined) return problem;
    text = text.slice(zone[0].length);
  }
  if (CRON_MACROS.has(text.toLowerCase()) || /^@every\s+\S+/.test(text)) return undefined;
  const fields = text.split(/\s+/);
  if (fields.length < 5 || fields.length > 7) {
    return `"${expression}" has ${fields.length} field${fields.length === 1 ? '' : 's'}; a cron expression has five: minute hour day-of-month month day-of-week (e.g. "0 */6 * * *")`;
  }
  const standard = fields.length === 7 ? fields.slice(1, 6) : fields.slice(0, 5);
  const checks = fields.length === 7 ? [cronFieldProblem(fields[0]!, { name: 'second', min: 0, max: 59 })] : [];
  checks.push(...CRON_FIELDS.map((field, index) => cronFieldProblem(standard[index]!, field)));
  const problem = checks.find((p) => p !== undefined);
  return problem === undefined ? undefined : `${problem} (cron fields: minute hour day-of-month month day-of-week)`;
}

/** An IANA time zone name such as UTC or Europe/Berlin. */
export function timeZoneProblem(zone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return undefined;
  } catch {
    return `unknown time zone "${zone}" (use an IANA name such as UTC or Europe/Berlin)`;
  }
}

/** The specifiers DuckDB's strptime reads (each may carry a "-" for no padding). */
const STRPTIME_SPECIFIERS = new Set('aAwudbhBmyYGHIpMSfgnzZjUWVcxXT%'.split(''));

/** A DuckDB strptime format (`dateFormat`). */
export function dateFormatProblem(format: string): string | undefined {
  for (let index = 0; index < format.length; index++) {
    if (format[index] !== '%') continue;
    let next = format[index + 1];
    if (next === '-') next = format[index + 2];
    if (next === undefined) return `"${format}" ends with an incomplete specifier "%"`;
    if (!STRPTIME_SPECIFIERS.has(next)) {
      return `unknown specifier "%${next}" in "${format}" (DuckDB strptime: %d %m %Y %y %H %M %S %f %z %Z %b %B %p %j …)`;
    }
    index += format[index + 1] === '-' ? 2 : 1;
  }
  return undefined;
}

const MEMORY_UNITS: Record<string, number> = {
  b: 1, bytes: 1,
  kb: 1e3, k: 1e3, kilobytes: 1e3, kib: 1024,
  mb: 1e6, m: 1e6, megabytes: 1e6, mib: 1024 ** 2,
  gb: 1e9, g: 1e9, gigabytes: 1e9, gib: 1024 ** 3,
  tb: 1e12, t: 1e12, terabytes: 1e12, tib: 1024 ** 4,
};
/** Below this DuckDB cannot even open a database. */
const MIN_MEMORY_BYTES = 64e6;

/** A DuckDB memory limit: a size with a unit, e.g. 4GB, 512MiB. */
export function memoryLimitProblem(limit: string): string | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(limit);
  const unit = match ? MEMORY_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) return `"${limit}" is not a size; write a number with a unit, e.g. 4GB or 512MiB`;
  if (Number(match[1]) * unit < MIN_MEMORY_BYTES) return `"${limit}" is too small for DuckDB; give at least 64MB`;
  return undefined;
}
