/** HTML text helpers for the run report: everything shown is escaped, numbers formatted one way. */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

/** 1234567 → "1,234,567" (fixed locale, so reports and tests read the same everywhere). */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** A share 0..1 as "12.5%"; "–" when there is no denominator. */
export function formatShare(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '–';
}
