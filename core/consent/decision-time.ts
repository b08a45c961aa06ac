/**
 * When a consent record counts for latest-wins (design §4: latest date wins, on a tie a denial wins).
 *
 * A record with only a date (stored as midnight UTC, `date_only` set by the import) says "some time that
 * day". Against a record with a time on the same day the order is unknown, which is a tie — and a tie goes
 * to the denial. So a date-only denial counts at the last microsecond of its day and a date-only grant at
 * its first: a withdrawal dated 2024-05-01 beats a grant at 2024-05-01 10:00, and a grant dated 2024-05-01
 * loses to a denial at 09:00. Between records on different days nothing changes. A record with an explicit
 * time — 00:00:00 included — is exactly that time.
 *
 * Also where a grant lies too far in the future to count at all (futureGrantLimit).
 */

const LAST_MICROSECOND_OF_DAY = 86_399_999_999;

/** The decision time as a TIMESTAMP expression (NULL when the record is undated); `dateOnly`: the record has no time of day. */
export function decisionTimeSql(date: string, granted: string, dateOnly: string): string {
  return `(CASE WHEN NOT ${granted} AND ${dateOnly} THEN ${date} + to_microseconds(${LAST_MICROSECOND_OF_DAY}) ELSE ${date} END)`;
}

/** How far past the run's start a record's date may lie (clock skew, zone-less local times read as UTC). */
const FUTURE_TOLERANCE_MS = 24 * 60 * 60 * 1000;

/**
 * Grants dated after this never count (design is silent; see README "Future-dated grants"): nobody can
 * have consented then, and as the latest record such a grant would outrank every real withdrawal.
 */
export function futureGrantLimit(runStartedAt: Date): Date {
  return new Date(runStartedAt.getTime() + FUTURE_TOLERANCE_MS);
}

/** TRUE for a grant dated after `limit` (a TIMESTAMP expression: futureGrantLimit, bound or from a table). */
export function futureGrantSql(date: string, granted: string, limit: string): string {
  return `coalesce(${granted} AND ${date} > ${limit}, FALSE)`;
}
