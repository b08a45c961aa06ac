/**
 * Zod issues in the words a config author needs: a missing key says it is required and what it is for,
 * an unknown key suggests the declared key it was probably meant to be (same letters in another case, or
 * one or two edits away).
 */
import { z } from 'zod';
import { configSchema } from './schema.js';

/** Formats a zod issue path as `sources[1].keys.email`. */
export function formatKeyPath(issuePath: readonly PropertyKey[]): string {
  return issuePath
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`))
    .join('');
}

/** What a missing required key is for, by key path with indexes as [*]. */
const REQUIRED_HINTS: Record<string, string> = {
  'exports[*].purpose': 'the purpose whose consent guards this export (write `none` for an internal export)',
  'exports[*].segment': 'the name of the segment this export writes',
  'exports[*].path': 'the folder the export files go to',
  'exports[*].name': 'a name for the export (its file names)',
  'segments[*].name': 'a name for the segment',
  'segments[*].rule': 'the rule, e.g. "Consent option = Newsletter & Consent value = True"',
  'sources[*].name': 'a name for the source',
  'sources[*].type': '`profiles` or `consent`',
  'sources[*].format': '`csv`, `parquet` or `jsonl`',
  'sources[*].path': 'the file to read',
  'sources[*].primaryKey': "the column holding each row's id",
  'sources[*].keys': 'the email and/or phone columns, e.g. { email: email }',
  'sources[*].value': 'the column holding the consent value (true/false, yes/no, …)',
};

let knownKeyNames: string[] | undefined;

/** Every key name the config schema declares anywhere (for "did you mean"), computed on first use. */
function allKeyNames(): string[] {
  if (knownKeyNames) return knownKeyNames;
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const properties = (node as { properties?: Record<string, unknown> }).properties;
    if (properties) for (const name of Object.keys(properties)) names.add(name);
    for (const value of Object.values(node)) walk(value);
  };
  walk(z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }));
  knownKeyNames = [...names];
  return knownKeyNames;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The declared key an unknown one was probably meant to be: same letters in another case, or 1-2 edits away. */
export function suggestKey(unknown: string): string | undefined {
  const lower = unknown.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of allKeyNames()) {
    const distance = name.toLowerCase() === lower ? 0 : editDistance(lower, name.toLowerCase());
    if (distance <= Math.min(2, Math.floor(unknown.length / 3)) && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** A zod issue as the user should read it: a missing key says it is required, and what it is for. */
export function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys
      .map((key) => {
        const suggestion = suggestKey(key);
        return `unknown key "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`;
      })
      .join('; ');
  }
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
    const hint = REQUIRED_HINTS[formatKeyPath(issue.path).replace(/\[\d+\]/g, '[*]')];
    return hint === undefined ? `required (${issue.expected})` : `required: ${hint}`;
  }
  return issue.message;
}

