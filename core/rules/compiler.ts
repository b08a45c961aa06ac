/**
 * Compiles a rule to a boolean SQL expression over `customers c`, for
 * `SELECT c.customer_id FROM customers c WHERE <sql>`. Attribute names are allow-listed then quoted; every
 * value (purpose names included) is a bound parameter `$<prefix>N`. No user text enters the SQL.
 *
 * Semantics:
 * - Consent: `EXISTS (… effective_consent ec … ec.purpose = $p AND ec.granted = $p)`. `Consent value != True`
 *   means denied (effective_consent has exactly one row per customer × declared purpose).
 * - Text (`=`, `in`, `contains`): case-insensitive, trimmed: `lower(trim(col)) = lower($p)` with the value
 *   trimmed; `contains(lower(col), lower($p))` is a plain substring test (no LIKE wildcards).
 * - Numbers: `TRY_CAST(trim(col) AS DOUBLE)`; dates: `TRY_CAST(trim(col) AS DATE)` (a timestamp text
 *   counts as its date); booleans: `TRY_CAST(trim(col) AS BOOLEAN)` (true/false/t/f/1/0). A value that
 *   does not convert never matches.
 * - Two-valued logic: every comparison is `COALESCE(…, FALSE)`, so an empty (NULL) attribute makes it
 *   false, and `!=`, `not in` and `not` (defined as the negation of `=`, `in` and the operand) include
 *   customers whose attribute is empty.
 * - `is empty`: NULL or blank after trimming; `is not empty` is its negation.
 */
import { allowedIdentifier } from '../sql/identifiers.js';
import { isDateLiteral, type Literal, type RuleAst } from './ast.js';
import { knownAttributes, type RuleContext } from './names.js';
import { checkRule } from './structured.js';

export type RuleParams = Readonly<Record<string, string | number | boolean>>;

export interface CompiledRule {
  readonly sql: string;
  readonly params: RuleParams;
}

export interface CompileOptions {
  /** Parameter name prefix (default `p`), so several compiled rules can share one statement. */
  readonly paramPrefix?: string;
}

const PREFIX = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks the rule against `ctx` (names, values) and compiles it. */
export function compileRule(ast: RuleAst, ctx: RuleContext, options: CompileOptions = {}): CompiledRule {
  const prefix = options.paramPrefix ?? 'p';
  if (!PREFIX.test(prefix)) throw new Error(`invalid parameter prefix "${prefix}"`);
  const rule = checkRule(ast, ctx);
  const params: Record<string, string | number | boolean> = {};
  const bind = (value: string | number | boolean): string => {
    const name = `${prefix}${Object.keys(params).length + 1}`;
    params[name] = value;
    return `$${name}`;
  };
  const allowed = knownAttributes(ctx);
  const column = (attribute: string) => `c.${allowedIdentifier(attribute, allowed)}`;
  const sql = compileNode(rule, { bind, column });
  return Object.freeze({ sql, params: Object.freeze(params) });
}

interface Emit {
  bind(value: string | number | boolean): string;
  column(attribute: string): string;
}

function compileNode(node: RuleAst, emit: Emit): string {
  if ('and' in node) return `(${node.and.map((item) => compileNode(item, emit)).join(' AND ')})`;
  if ('or' in node) return `(${node.or.map((item) => compileNode(item, emit)).join(' OR ')})`;
  if ('not' in node) return `(NOT ${compileNode(node.not, emit)})`;
  if ('consent' in node) {
    return (
      `EXISTS (SELECT 1 FROM effective_consent ec WHERE ec.customer_id = c.customer_id` +
      ` AND ec.purpose = ${emit.bind(node.consent)} AND ec.granted = ${emit.bind(node.granted)})`
    );
  }
  const col = emit.column(node.attribute);
  switch (node.op) {
    case 'is empty':
      return `(${col} IS NULL OR trim(${col}) = '')`;
    case 'is not empty':
      return `(NOT (${col} IS NULL OR trim(${col}) = ''))`;
    case 'contains':
      return `COALESCE(contains(lower(${col}), lower(${emit.bind(node.value)})), FALSE)`;
    case 'in':
      return inList(col, node.values, emit);
    case 'not in':
      return `(NOT ${inList(col, node.values, emit)})`;
    case '=':
      return comparison(col, '=', node.value, emit);
    case '!=':
      return `(NOT ${comparison(col, '=', node.value, emit)})`;
    default:
      return comparison(col, node.op, node.value, emit);
  }
}

function comparison(col: string, op: '=' | '<' | '<=' | '>' | '>=', value: Literal, emit: Emit): string {
  if (typeof value === 'string') return `COALESCE(lower(trim(${col})) ${op} lower(${emit.bind(value.trim())}), FALSE)`;
  if (typeof value === 'number') return `COALESCE(TRY_CAST(trim(${col}) AS DOUBLE) ${op} CAST(${emit.bind(value)} AS DOUBLE), FALSE)`;
  if (typeof value === 'boolean') return `COALESCE(TRY_CAST(trim(${col}) AS BOOLEAN) ${op} ${emit.bind(value)}, FALSE)`;
  if (isDateLiteral(value)) return `COALESCE(TRY_CAST(trim(${col}) AS DATE) ${op} CAST(${emit.bind(value.date)} AS DATE), FALSE)`;
  throw new Error('unreachable: unknown literal');
}

function inList(col: string, values: readonly Literal[], emit: Emit): string {
  const texts = values.filter((value): value is string => typeof value === 'string');
  const parts: string[] = [];
  if (texts.length > 0) {
    const list = texts.map((value) => `lower(${emit.bind(value.trim())})`).join(', ');
    parts.push(`COALESCE(lower(trim(${col})) IN (${list}), FALSE)`);
  }
  for (const value of values) if (typeof value !== 'string') parts.push(comparison(col, '=', value, emit));
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' OR ')})`;
}
