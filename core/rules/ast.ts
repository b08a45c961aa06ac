/**
 * The segment rule AST. The same shape is the structured (YAML/JSON) rule form, so a parsed text rule and
 * a structured rule are interchangeable:
 *
 * ```yaml
 * rule:
 *   and:
 *     - { consent: Newsletter, granted: true }        # granted defaults to true
 *     - { attribute: country, op: in, values: [DE, AT] }
 *     - not: { attribute: age, op: "<", value: 18 }
 *     - { attribute: signup_date, op: ">=", value: { date: "2024-01-01" } }
 *     - { attribute: signup_date, op: "<", value: 2024-06-01 }   # < <= > >=: a text that is a number or a date is one
 *     - { attribute: email, op: is not empty }
 * ```
 */
import { z } from 'zod';

export const COMPARE_OPS = ['=', '!=', '<', '<=', '>', '>='] as const;
export const LIST_OPS = ['in', 'not in'] as const;
export const EMPTY_OPS = ['is empty', 'is not empty'] as const;

export type CompareOp = (typeof COMPARE_OPS)[number];
export type ListOp = (typeof LIST_OPS)[number];
export type EmptyOp = (typeof EMPTY_OPS)[number];

/** A date literal (`YYYY-MM-DD`, unquoted in the text form). */
export interface DateLiteral {
  readonly date: string;
}
export type Literal = string | number | boolean | DateLiteral;

export type RuleAst =
  | { readonly and: readonly RuleAst[] }
  | { readonly or: readonly RuleAst[] }
  | { readonly not: RuleAst }
  /** Effective consent for a declared purpose is granted (true) or denied (false). */
  | { readonly consent: string; readonly granted: boolean }
  | { readonly attribute: string; readonly op: CompareOp; readonly value: Literal }
  | { readonly attribute: string; readonly op: ListOp; readonly values: readonly Literal[] }
  | { readonly attribute: string; readonly op: 'contains'; readonly value: string }
  | { readonly attribute: string; readonly op: EmptyOp };

export type AttributeNode = Extract<RuleAst, { attribute: string }>;

export const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** True when `text` is `YYYY-MM-DD` and a real calendar date. */
export function isValidDate(text: string): boolean {
  if (!ISO_DATE.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

export function isDateLiteral(value: Literal): value is DateLiteral {
  return typeof value === 'object' && value !== null;
}

const noNul = (text: string) => !text.includes('\u0000');
const text = z.string().refine(noNul, 'must not contain a NUL character');
const nonEmptyText = text.refine((value) => value.trim().length > 0, 'must not be empty');

const dateLiteralSchema = z.strictObject({
  date: z.string().refine(isValidDate, 'must be a real date written YYYY-MM-DD'),
});
/**
 * A YAML parser may hand over a Date: the config loader reads YAML 1.2 (`2024-06-01` is a text), but a
 * document starting with `%YAML 1.1` reads an unquoted date or timestamp as a Date. A Date at midnight UTC
 * is that date (as `2024-06-01` unquoted in the text form); one with a time is refused, as the text form
 * refuses timestamps.
 */
function dateObject(value: unknown, ctx: z.RefinementCtx): unknown {
  if (!(value instanceof Date)) return value;
  if (Number.isNaN(value.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'an invalid date: write YYYY-MM-DD' });
    return z.NEVER;
  }
  const iso = value.toISOString();
  if (iso.endsWith('T00:00:00.000Z')) return { date: iso.slice(0, 10) };
  ctx.addIssue({ code: 'custom', message: `${iso} is a timestamp; rules compare dates: write YYYY-MM-DD` });
  return z.NEVER;
}

export const literalSchema: z.ZodType<Literal> = z.preprocess(
  dateObject,
  z.union([text, z.number().finite(), z.boolean(), dateLiteralSchema], {
    error: 'must be a text, a number, a boolean or { date: YYYY-MM-DD }',
  }),
);

const node = z.lazy(() => ruleAstSchema);
const nodeSchemas = {
  and: z.strictObject({ and: z.array(node).min(1, 'must list at least one rule') }),
  or: z.strictObject({ or: z.array(node).min(1, 'must list at least one rule') }),
  not: z.strictObject({ not: node }),
  consent: z.strictObject({ consent: nonEmptyText, granted: z.boolean().default(true) }),
  compare: z.strictObject({ attribute: nonEmptyText, op: z.enum(COMPARE_OPS), value: literalSchema }),
  list: z.strictObject({ attribute: nonEmptyText, op: z.enum(LIST_OPS), values: z.array(literalSchema).min(1, 'must list at least one value') }),
  contains: z.strictObject({ attribute: nonEmptyText, op: z.literal('contains'), value: text.min(1, 'must not be empty') }),
  empty: z.strictObject({ attribute: nonEmptyText, op: z.enum(EMPTY_OPS) }),
} as const;

const ALL_OPS: readonly string[] = [...COMPARE_OPS, ...LIST_OPS, 'contains', ...EMPTY_OPS];

/** Which node schema applies, decided by the node's keys (so errors point into the right shape). */
function nodeKind(input: Record<string, unknown>): keyof typeof nodeSchemas | string {
  for (const key of ['and', 'or', 'not', 'consent'] as const) if (key in input) return key;
  if (!('attribute' in input)) return 'a rule node needs one of the keys and, or, not, consent or attribute';
  const op = typeof input['op'] === 'string' ? input['op'].trim().toLowerCase().replace(/\s+/g, ' ') : undefined;
  if (op === undefined || !ALL_OPS.includes(op)) return `op: must be one of ${ALL_OPS.join(', ')}`;
  if ((COMPARE_OPS as readonly string[]).includes(op)) return 'compare';
  if ((LIST_OPS as readonly string[]).includes(op)) return 'list';
  return op === 'contains' ? 'contains' : 'empty';
}

/**
 * The structured rule form. Nodes are told apart by their keys; issues carry the path of the offending
 * node (e.g. `and.1.value`). Names are not resolved here: `ruleFromConfig` does that against the config.
 */
export const ruleAstSchema: z.ZodType<RuleAst, unknown> = z.unknown().transform((input, ctx): RuleAst => {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    ctx.addIssue({ code: 'custom', message: 'a rule node must be an object (or the rule a text)' });
    return z.NEVER;
  }
  const record = input as Record<string, unknown>;
  const kind = nodeKind(record);
  const schema = nodeSchemas[kind as keyof typeof nodeSchemas];
  if (schema === undefined) {
    const [path, message] = kind.startsWith('op: ') ? [['op'], kind.slice(4)] : [[], kind];
    ctx.addIssue({ code: 'custom', path, message });
    return z.NEVER;
  }
  const op = typeof record['op'] === 'string' ? record['op'].trim().toLowerCase().replace(/\s+/g, ' ') : undefined;
  const result = schema.safeParse(op === undefined ? record : { ...record, op });
  if (!result.success) {
    for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    return z.NEVER;
  }
  return result.data as RuleAst;
});
