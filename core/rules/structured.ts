/**
 * The structured rule form (YAML/JSON, the RuleAst shape) and the final check every rule passes before it
 * is compiled: shape (zod), names resolved to their config spelling, values usable with their operator.
 * Errors name the AST path (`rule.and[1].attribute`) instead of a text position.
 * Values mean what they mean in the text form: `{ op: "<", value: "2024-06-01" }` is `< 2024-06-01` (see
 * orderedLiteral), and a YAML date (a Date object under `%YAML 1.1`) is a date (see literalSchema).
 */
import { RuleError } from '../errors.js';
import { ruleAstSchema, type Literal, type RuleAst } from './ast.js';
import { literalProblem, orderedLiteral, resolveAttribute, resolvePurpose, type RuleContext } from './names.js';
import { parseRule } from './parser.js';

/** A RuleError in a structured rule: `path` locates the node, `position` is 0. */
export class RulePathError extends RuleError {
  constructor(
    segment: string,
    readonly path: string,
    reason: string,
  ) {
    super(segment, 0, `${path}: ${reason}`);
    this.message = `segment "${segment}", rule at ${path}: ${reason}`;
  }
}

type Path = readonly PropertyKey[];

export function formatPath(path: Path): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`), 'rule');
}

/** A segment's `rule` from the config: the text form or the structured form. */
export function ruleFromConfig(rule: string | Record<string, unknown>, ctx: RuleContext): RuleAst {
  return typeof rule === 'string' ? parseRule(rule, ctx) : checkRule(rule, ctx);
}

/** Validates a structured rule (or any RuleAst) and returns it with canonical names. */
export function checkRule(input: unknown, ctx: RuleContext): RuleAst {
  const parsed = ruleAstSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RulePathError(ctx.segment, formatPath(issue?.path ?? []), issue?.message ?? 'invalid rule');
  }
  return resolve(parsed.data, ctx, []);
}

function resolve(node: RuleAst, ctx: RuleContext, path: Path): RuleAst {
  const fail = (at: Path, reason: string): never => {
    throw new RulePathError(ctx.segment, formatPath(at), reason);
  };
  if ('and' in node) return { and: node.and.map((item, index) => resolve(item, ctx, [...path, 'and', index])) };
  if ('or' in node) return { or: node.or.map((item, index) => resolve(item, ctx, [...path, 'or', index])) };
  if ('not' in node) return { not: resolve(node.not, ctx, [...path, 'not']) };
  if ('consent' in node) {
    const purpose = resolvePurpose(node.consent, ctx);
    return 'reason' in purpose ? fail([...path, 'consent'], purpose.reason) : { consent: purpose.name, granted: node.granted };
  }
  const resolved = resolveAttribute(node.attribute, ctx);
  const attribute = 'reason' in resolved ? fail([...path, 'attribute'], resolved.reason) : resolved.name;
  const check = (value: Literal, at: Path): Literal => {
    const problem = literalProblem(node.op, value);
    return problem === undefined ? value : fail(at, problem);
  };
  switch (node.op) {
    case 'in':
    case 'not in':
      return { attribute, op: node.op, values: node.values.map((value, index) => check(value, [...path, 'values', index])) };
    case 'contains':
      return { attribute, op: node.op, value: node.value };
    case 'is empty':
    case 'is not empty':
      return { attribute, op: node.op };
    default:
      return { attribute, op: node.op, value: check(orderedLiteral(node.op, node.value), [...path, 'value']) };
  }
}
