/**
 * ISO-8601 durations for consent expiry (`expiresAfter`), limited to what the config accepts:
 * years, months, weeks and days (`P24M`, `P365D`, `P2Y`, `P1Y6M`, `P4W`). No time part.
 *
 * A duration becomes a calendar amount `{ months, days }`: years count as 12 months, weeks as 7 days.
 * It is added to a consent date in SQL as `date + to_months(months) + to_days(days)`, so month
 * arithmetic is calendar arithmetic (DuckDB clamps to the end of a shorter month: Jan 31 + P1M = Feb 28/29).
 */

export interface CalendarDuration {
  readonly months: number;
  readonly days: number;
}

const ISO_DURATION = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/;

/** Parses `P…` into months and days; throws on anything else (the config schema has already checked it). */
export function parseIsoDuration(text: string): CalendarDuration {
  const match = ISO_DURATION.exec(text.trim().toUpperCase());
  if (!match) throw new Error(`"${text}" is not an ISO-8601 duration in years/months/weeks/days (e.g. P24M)`);
  const [, years, months, weeks, days] = match.map((part) => (part === undefined ? 0 : Number(part)));
  const result = { months: years! * 12 + months!, days: weeks! * 7 + days! };
  if (!Number.isSafeInteger(result.months) || !Number.isSafeInteger(result.days) || result.months > 120_000 || result.days > 3_650_000) {
    throw new Error(`duration "${text}" is too large`);
  }
  return result;
}
