/**
 * What a rule may refer to, and the checks shared by the text and structured forms. Every check returns a
 * reason (what to fix) or undefined, so each form can attach its own location (position or AST path).
 */
import { ISO_DATE, isDateLiteral, isValidDate, type Literal } from './ast.js';
import { purposeMatchKey } from '../config/schema.js';

/** The config a rule is checked against. Built-in fields (customer_id, email, phone) are implicit. */
export interface RuleContext {
  readonly segment: string;
  /** Unified attribute names, config spelling. */
  readonly attributes: readonly string[];
  /** Declared purpose names, config spelling. */
  readonly purposes: readonly string[];
}

/** Columns of `customers` every customer has, usable in rules besides the configured attributes. */
export const BUILT_IN_FIELDS = ['customer_id', 'email', 'phone'] as const;

export type Resolved = { readonly name: string } | { readonly reason: string };

export function knownAttributes(ctx: RuleContext): string[] {
  const builtIns = new Set<string>(BUILT_IN_FIELDS);
  return [...ctx.attributes.filter((name) => !builtIns.has(name.toLowerCase())), ...BUILT_IN_FIELDS];
}

/** Attribute names match case-insensitively; returns the canonical (config) spelling. */
export function resolveAttribute(name: string, ctx: RuleContext): Resolved {
  const known = knownAttributes(ctx);
  const found = known.find((candidate) => candidate === name) ?? known.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return found !== undefined ? { name: found } : { reason: `unknown attribute "${name}" (known: ${known.join(', ')})` };
}

/** Purpose names match case-insensitively after trimming, in any Unicode normal form (purposeMatchKey); returns the declared spelling. */
export function resolvePurpose(name: string, ctx: RuleContext): Resolved {
  const wanted = purposeMatchKey(name);
  const found = ctx.purposes.find((declared) => purposeMatchKey(declared) === wanted);
  return found !== undefined
    ? { name: found }
    : { reason: `purpose "${name.trim()}" is not declared (declared: ${ctx.purposes.join(', ') || 'none'})` };
}

/** Why `value` cannot be used with `op`, or undefined when it can. */
export function literalProblem(op: string, value: Literal): string | undefined {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return 'a value must not contain a NUL character';
    if (op === '<' || op === '<=' || op === '>' || op === '>=') {
      return `"${op}" compares numbers or dates (YYYY-MM-DD); "${value}" is neither`;
    }
    return undefined;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : 'a number must be finite';
  if (typeof value === 'boolean') {
    return op === '=' || op === '!=' || op === 'in' || op === 'not in' ? undefined : `"${op}" cannot compare true/false`;
  }
  if (isDateLiteral(value)) return isValidDate(value.date) ? undefined : `"${value.date}" is not a valid date (YYYY-MM-DD)`;
  return 'expected a text, number, boolean or date value';
}

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const ORDER_OPS: readonly string[] = ['<', '<=', '>', '>='];

/**
 * How the text form reads an unquoted (trimmed) value: JSON-style numbers (`18`, `-2.5`; not `007`) are
 * numbers, `YYYY-MM-DD` is a date, true/false (any case) are booleans, anything else is text.
 */
export function unquotedLiteral(text: string): Literal {
  if (NUMBER.test(text)) return Number(text);
  if (ISO_DATE.test(text)) return { date: text };
  const lower = text.toLowerCase();
  if (lower === 'true' || lower === 'false') return lower === 'true';
  return text;
}

/**
 * A structured rule's value for `op`, read as the text form reads it: `< <= > >=` compare numbers or dates
 * only, so a text the text form would read unquoted as a number or a date (`"30"`, `"2024-06-01"`, blanks
 * around allowed) is that number or date, and the rule compiles as `age < 30` does. Every other value is
 * unchanged: with `=`, `!=` and `in` a text stays a text (like a quoted value in the text form).
 */
export function orderedLiteral(op: string, value: Literal): Literal {
  if (typeof value !== 'string' || !ORDER_OPS.includes(op)) return value;
  const typed = unquotedLiteral(value.trim());
  return typeof typed === 'number' || isDateLiteral(typed) ? typed : value;
}
