/**
 * The text rule form (design §5), parsed into a RuleAst with canonical attribute and purpose names.
 *
 *   rule       := or
 *   or         := and (("|" | "or") and)*
 *   and        := unary (("&" | "and") unary)*        -- Consent option/value conjuncts are paired here
 *   unary      := ("!" | "not") unary | primary
 *   primary    := "(" rule ")" | "Consent option" "=" purpose | "Consent value" ("=" | "!=") consent-value
 *               | attribute ("=" | "!=" | "<" | "<=" | ">" | ">=") value
 *               | attribute ["not"] "in" "(" value ("," value)* ")"
 *               | attribute "contains" value | attribute "is" ["not"] "empty"
 *
 * Pairing: in one `&` chain, each `Consent option = X` pairs with the adjacent `Consent value = V`
 * (before or after it) into "effective consent for X is granted/denied"; an unpaired one is an error.
 * Unquoted values are typed: JSON-style numbers (`18`, `-2.5`; not `007`) are numbers, `YYYY-MM-DD`
 * is a date, true/false are booleans, anything else is text. Quoted values are always text.
 *
 * An unquoted value runs to the next `&`, `|` or unbalanced `)` (design §5), so `and`/`or` inside it are
 * part of it (`Consent option = Terms and Conditions`); they are operators only where a condition has
 * ended without an unquoted value (after `)`, a quoted value, a list, `is empty`). Two unquoted values
 * are refused rather than read as a text nobody meant (an empty segment):
 * - one that starts with `< > = !`: a mistyped operator (`age => 30` would compare with the text "> 30");
 * - one that runs on past a word `and`/`or` into what reads as a condition (`country = DE and age > 20`
 *   would compare country with "DE and age > 20"): the message asks for `&`/`|` or quotes.
 */
import { parseConsentValue } from '../consent/vocabulary.js';
import { RuleError } from '../errors.js';
import type { CompareOp, Literal, RuleAst } from './ast.js';
import { Lexer, type Token, type ValueToken } from './lexer.js';
import { literalProblem, resolveAttribute, resolvePurpose, unquotedLiteral, type RuleContext } from './names.js';

type Part = { readonly node: RuleAst } | { readonly option: string; readonly start: number } | { readonly granted: boolean; readonly start: number };

const OPERATORS: Record<string, CompareOp> = { '=': '=', '==': '=', '!=': '!=', '<>': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };
const CONDITION = 'a condition (an attribute, "Consent option", "Consent value", "not" or "(")';
const QUOTE_WHY = 'the value to compare with this text';
/** A word `and`/`or` inside an unquoted value (the blanks around it are not consumed, so `x and or y` finds both). */
const JOINER = /\s(and|or)(?=\s)/gi;
/** What may open a condition before its name: `not`, `!`, `(`. */
const CONDITION_PREFIX = /^(?:not\s+|!\s*|\(\s*)*/i;
const CONSENT_CONDITION = /^consent\s+(?:option|value)\b/i;
const SYMBOL_CONDITION = /^([A-Za-z_][A-Za-z0-9_]*)\s*(?:==|!=|<>|<=|>=|[=<>])/;
const WORD_CONDITION = /^([A-Za-z_][A-Za-z0-9_]*)\s+(?:(?:not\s+)?in\s*\(|contains\b|is\s+(?:not\s+)?empty\b)/i;

/** Parses and validates a text rule; throws RuleError with the 1-based position of the problem. */
export function parseRule(text: string, ctx: RuleContext): RuleAst {
  return new Parser(text, ctx).parse();
}

class Parser {
  private readonly lexer: Lexer;
  /** Positions of the "(" being parsed, innermost last. */
  private readonly openParens: number[] = [];

  constructor(
    private readonly text: string,
    private readonly ctx: RuleContext,
  ) {
    this.lexer = new Lexer(text, (position, reason) => this.fail(position, reason));
  }

  parse(): RuleAst {
    const nul = this.text.indexOf('\u0000');
    if (nul >= 0) this.fail(nul, 'the rule contains a NUL character');
    if (this.text.trim() === '') this.fail(0, 'the rule is empty');
    const rule = this.or();
    const rest = this.lexer.peek();
    if (rest.kind === 'rparen') this.fail(rest.start, 'unexpected ")"');
    if (rest.kind !== 'end') this.fail(rest.start, `expected "&", "|" or the end of the rule but found ${describe(rest)}`);
    return rule;
  }

  private fail(position: number, reason: string): never {
    throw new RuleError(this.ctx.segment, position + 1, reason);
  }

  private or(): RuleAst {
    const items = [this.and()];
    while (isWordOr(this.lexer.peek(), 'pipe', 'or')) {
      this.lexer.next();
      items.push(this.and());
    }
    return items.length === 1 ? (items[0] as RuleAst) : { or: items };
  }

  private and(): RuleAst {
    const parts = [this.unary()];
    while (isWordOr(this.lexer.peek(), 'amp', 'and')) {
      this.lexer.next();
      parts.push(this.unary());
    }
    // A rule that ends inside "(": say so before any pairing problem the missing ")" may have caused.
    const innermost = this.openParens[this.openParens.length - 1];
    const after = this.lexer.peek();
    if (innermost !== undefined && after.kind === 'end') this.fail(after.start, `expected ")" to close the "(" at position ${innermost + 1} but found ${describe(after)}`);
    const items: RuleAst[] = [];
    for (let index = 0; index < parts.length; index++) {
      const part = parts[index] as Part;
      if ('node' in part) {
        items.push(part.node);
        continue;
      }
      const next = parts[index + 1];
      if (next !== undefined && 'option' in part && 'granted' in next) items.push({ consent: part.option, granted: next.granted });
      else if (next !== undefined && 'granted' in part && 'option' in next) items.push({ consent: next.option, granted: part.granted });
      else this.unpaired(part);
      index++;
    }
    return items.length === 1 ? (items[0] as RuleAst) : { and: items };
  }

  private unpaired(part: Part): never {
    if ('option' in part) {
      this.fail(part.start, 'Consent option must be paired with Consent value: expected "& Consent value = True" (or False) right before or after it in the same & group');
    }
    if ('granted' in part) {
      this.fail(part.start, 'Consent value must be paired with Consent option: expected "Consent option = <purpose> &" right before or after it in the same & group');
    }
    throw new Error('unreachable');
  }

  private unary(): Part {
    const token = this.lexer.peek();
    if (token.kind === 'bang' || isWordOr(token, 'bang', 'not')) {
      this.lexer.next();
      const operand = this.unary();
      if (!('node' in operand)) this.unpaired(operand);
      return { node: { not: operand.node } };
    }
    return this.primary();
  }

  private primary(): Part {
    const token = this.lexer.next();
    if (token.kind === 'lparen') {
      this.openParens.push(token.start);
      const inner = this.or();
      this.openParens.pop();
      const close = this.lexer.next();
      if (close.kind !== 'rparen') this.fail(close.start, `expected ")" to close the "(" at position ${token.start + 1} but found ${describe(close)}`);
      return { node: inner };
    }
    if (token.kind === 'rparen') this.fail(token.start, 'unexpected ")"');
    if (token.kind !== 'word') this.fail(token.start, `expected ${CONDITION} but found ${describe(token)}`);
    if (token.text.toLowerCase() === 'consent') {
      const keyword = this.lexer.peek();
      const which = keyword.kind === 'word' ? keyword.text.toLowerCase() : '';
      if (which === 'option' || which === 'value') {
        this.lexer.next();
        return which === 'option' ? this.consentOption(token) : this.consentValue(token);
      }
    }
    return { node: this.condition(token) };
  }

  private consentOption(start: Token): Part {
    const op = this.lexer.next();
    if (op.kind !== 'op' || (op.text !== '=' && op.text !== '==')) this.fail(op.start, `expected "=" after "Consent option" but found ${describe(op)}`);
    const value = this.lexer.readValue(false) ?? this.failHere(`expected a purpose name after "Consent option ="`);
    const purpose = resolvePurpose(value.text, this.ctx);
    if ('reason' in purpose) {
      this.checkRunOn(value);
      this.fail(value.start, purpose.reason);
    }
    return { option: purpose.name, start: start.start };
  }

  private consentValue(start: Token): Part {
    const op = this.lexer.next();
    const negate = op.text === '!=' || op.text === '<>';
    if (op.kind !== 'op' || !(negate || op.text === '=' || op.text === '==')) {
      this.fail(op.start, `expected "=" or "!=" after "Consent value" but found ${describe(op)}`);
    }
    const value = this.lexer.readValue(false) ?? this.failHere(`expected True or False after "Consent value ${op.text}"`);
    const granted = parseConsentValue(value.text);
    if (granted === undefined) {
      this.checkRunOn(value);
      this.fail(value.start, `"${value.text}" is not a consent value (expected true/yes/granted/opt-in/1 or false/no/denied/opt-out/withdrawn/revoked/0)`);
    }
    return { granted: negate ? !granted : granted, start: start.start };
  }

  private condition(name: Token): RuleAst {
    const resolved = resolveAttribute(name.text, this.ctx);
    if ('reason' in resolved) this.fail(name.start, resolved.reason);
    const attribute = resolved.name;
    const next = this.lexer.peek();
    const word = next.kind === 'word' ? next.text.toLowerCase() : '';
    if (next.kind === 'op') {
      this.lexer.next();
      const op = OPERATORS[next.text] as CompareOp;
      const value = this.lexer.readValue(false) ?? this.failHere(`expected a value after "${next.text}"`);
      this.checkUnquoted(value, next.text);
      return { attribute, op, value: this.literal(op, value) };
    }
    if (word === 'in' || word === 'not') {
      this.lexer.next();
      if (word === 'not') this.expectWord('in', '"in" after "not"');
      return { attribute, op: word === 'in' ? 'in' : 'not in', values: this.list() };
    }
    if (word === 'contains') {
      this.lexer.next();
      const value = this.lexer.readValue(false) ?? this.failHere('expected a value after "contains"');
      this.checkUnquoted(value);
      if (value.text === '') this.fail(value.start, '"contains" needs a non-empty text');
      return { attribute, op: 'contains', value: value.text };
    }
    if (word === 'is') {
      this.lexer.next();
      const negated = isWordOr(this.lexer.peek(), 'bang', 'not');
      if (negated) this.lexer.next();
      this.expectWord('empty', negated ? '"empty" after "is not"' : '"empty" or "not empty" after "is"');
      return { attribute, op: negated ? 'is not empty' : 'is empty' };
    }
    return this.fail(next.start, `expected a comparison operator after "${name.text}"`);
  }

  private list(): Literal[] {
    const open = this.lexer.next();
    if (open.kind !== 'lparen') this.fail(open.start, `expected "(" to start the list but found ${describe(open)}`);
    const values: Literal[] = [];
    for (;;) {
      const value = this.lexer.readValue(true) ?? this.failHere('expected a value in the list');
      this.checkUnquoted(value);
      values.push(this.literal('in', value));
      const separator = this.lexer.next();
      if (separator.kind === 'rparen') return values;
      if (separator.kind !== 'comma') this.fail(separator.start, `expected "," or ")" in the list but found ${describe(separator)}`);
    }
  }

  private literal(op: string, value: ValueToken): Literal {
    const literal = typedLiteral(value);
    const problem = literalProblem(op, literal);
    if (problem !== undefined) this.fail(value.start, problem);
    return literal;
  }

  /** The checks of an unquoted attribute value (see the top of this file); `op` is the operator before it. */
  private checkUnquoted(value: ValueToken, op?: string): void {
    if (value.quoted) return;
    const leading = /^[<>=!]+/.exec(value.text)?.[0];
    if (leading !== undefined) {
      const hint = op === undefined ? `quote ${QUOTE_WHY}` : `did you mean "${intendedOperator(op + leading)}"? Quote ${QUOTE_WHY}`;
      this.fail(value.start, `unquoted value "${value.text}" starts with "${leading[0]}": ${hint}`);
    }
    this.checkRunOn(value);
  }

  /** Fails when an unquoted value runs on past a word `and`/`or` into what reads as a condition. */
  private checkRunOn(value: ValueToken): void {
    if (value.quoted) return;
    for (const match of value.text.matchAll(JOINER)) {
      const rest = value.text
        .slice(match.index + match[0].length)
        .trimStart()
        .replace(CONDITION_PREFIX, '');
      const name = (SYMBOL_CONDITION.exec(rest) ?? WORD_CONDITION.exec(rest))?.[1];
      if (!CONSENT_CONDITION.test(rest) && (name === undefined || 'reason' in resolveAttribute(name, this.ctx))) continue;
      const word = (match[1] as string).toLowerCase();
      this.fail(
        value.start + match.index + 1,
        `unquoted value "${value.text}" runs past "${word}" into a condition (an unquoted value ends at "&", "|" or ")"): ` +
          `write "${word === 'and' ? '&' : '|'}" to combine conditions, or quote ${QUOTE_WHY}`,
      );
    }
  }

  private expectWord(word: string, expected: string): void {
    const token = this.lexer.next();
    if (token.kind !== 'word' || token.text.toLowerCase() !== word) this.fail(token.start, `expected ${expected} but found ${describe(token)}`);
  }

  /** Fails at the next non-blank character (or the end). */
  private failHere(reason: string): never {
    return this.fail(this.lexer.peekPosition(), reason);
  }
}

function typedLiteral(value: ValueToken): Literal {
  return value.quoted ? value.text : unquotedLiteral(value.text);
}

/** The operator meant by a mistyped run of operator characters (`=>` → `>=`, `=!` → `!=`). */
function intendedOperator(written: string): string {
  const less = written.includes('<');
  const greater = written.includes('>');
  if (written.includes('!') || (less && greater)) return '!=';
  if (less || greater) return `${less ? '<' : '>'}${written.includes('=') ? '=' : ''}`;
  return '=';
}

function isWordOr(token: Token, kind: Token['kind'], word: string): boolean {
  return token.kind === kind || (token.kind === 'word' && token.text.toLowerCase() === word);
}

function describe(token: Token): string {
  if (token.kind === 'end') return 'the end of the rule';
  if (token.kind === 'string') return 'a quoted text';
  return `"${token.text}"`;
}
