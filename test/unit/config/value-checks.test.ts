import { describe, expect, it } from 'vitest';
import { cronProblem, dateFormatProblem, memoryLimitProblem, timeZoneProblem } from '../../../core/config/value-checks.js';

describe('cron expressions', () => {
  it.each(['0 */6 * * *', '*/15 9-17 * * mon-fri', '0 0 1 jan,jul *', '30 2 * * 0,7', '@daily', '@every 6h', '0 0 6 * * * 2030', '0 6 * * * 2030', 'CRON_TZ=Europe/Berlin 0 6 * * *'])(
    'accepts %s',
    (cron) => expect(cronProblem(cron)).toBeUndefined(),
  );
  it.each([
    ['every six hours', '"every six hours" has 3 fields; a cron expression has five: minute hour day-of-month month day-of-week (e.g. "0 */6 * * *")'],
    ['0 */6 * *', '"0 */6 * *" has 4 fields; a cron expression has five: minute hour day-of-month month day-of-week (e.g. "0 */6 * * *")'],
    ['99 * * * *', 'minute 99 is out of range 0-59 (cron fields: minute hour day-of-month month day-of-week)'],
    ['0 24 * * *', 'hour 24 is out of range 0-23 (cron fields: minute hour day-of-month month day-of-week)'],
    ['0 0 * 13 *', 'month 13 is out of range 1-12 (cron fields: minute hour day-of-month month day-of-week)'],
    ['0 0 * * funday', '"funday" is not a valid day of week field (cron fields: minute hour day-of-month month day-of-week)'],
    ['*/0 * * * *', '"*/0": the step after "/" must be a positive number (cron fields: minute hour day-of-month month day-of-week)'],
    ['CRON_TZ=Mars/Olympus 0 6 * * *', 'unknown time zone "Mars/Olympus" (use an IANA name such as UTC or Europe/Berlin)'],
  ])('refuses %s', (cron, problem) => expect(cronProblem(cron)).toBe(problem));
});

describe('time zones, date formats, memory limits', () => {
  it('time zones are IANA names', () => {
    expect(timeZoneProblem('UTC')).toBeUndefined();
    expect(timeZoneProblem('Europe/Berlin')).toBeUndefined();
    expect(timeZoneProblem('Mars/Olympus')).toBe('unknown time zone "Mars/Olympus" (use an IANA name such as UTC or Europe/Berlin)');
  });

  it('date formats use DuckDB strptime specifiers', () => {
    for (const format of ['%d/%m/%Y', '%d/%m/%Y %H:%M %z', '%-d.%-m.%Y', '%Y%m%dT%H%M%S', '%b %d, %Y %I:%M %p', '100%%']) expect(dateFormatProblem(format)).toBeUndefined();
    expect(dateFormatProblem('%Q')).toBe('unknown specifier "%Q" in "%Q" (DuckDB strptime: %d %m %Y %y %H %M %S %f %z %Z %b %B %p %j …)');
    expect(dateFormatProblem('%d/%m/%e')).toMatch(/^unknown specifier "%e"/);
    expect(dateFormatProblem('%d/%m/%')).toBe('"%d/%m/%" ends with an incomplete specifier "%"');
  });

  it('memory limits are sizes with a unit, large enough to open a database', () => {
    for (const limit of ['4GB', '4 GB', '4gb', '4GiB', '512MiB', '1.5GB', '4 gigabytes']) expect(memoryLimitProblem(limit)).toBeUndefined();
    expect(memoryLimitProblem('lots')).toBe('"lots" is not a size; write a number with a unit, e.g. 4GB or 512MiB');
    expect(memoryLimitProblem('4000000000')).toBe('"4000000000" is not a size; write a number with a unit, e.g. 4GB or 512MiB');
    expect(memoryLimitProblem('4KB')).toBe('"4KB" is too small for DuckDB; give at least 64MB');
  });
});
