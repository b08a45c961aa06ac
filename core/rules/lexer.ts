/**
 * Tokens of the text rule form. The lexer has two modes, chosen by the parser:
 * - `peek`/`next` read structure: parentheses, `,`, `&`/`&&`, `|`/`||`, `!`, comparison operators,
 *   identifiers (`[A-Za-z_][A-Za-z0-9_]*`) and quoted strings;
 * - `readValue` reads one value after an operator: a quoted string ('…' or "…", the quote doubled to
 *   escape it) or an unquoted value that runs to the next `&`, `|` or unbalanced `)` (or `,` inside a
 *   list) and nowhere else (design §5): it is trimmed and may contain spaces, balanced parentheses and
 *   the words `and`/`or` (`Terms and Conditions`). The word operators `and`/`or`/`not` are structural
 *   tokens only where `peek`/`next` read, e.g. after a `)`, a quoted value, a list or `is empty`.
 * Positions are 0-based here; the parser reports them 1-based.
 */

export type TokenKind = 'lparen' | 'rparen' | 'comma' | 'amp' | 'pipe' | 'bang' | 'op' | 'word' | 'string' | 'end';

export interface Token {
  readonly kind: TokenKind;
  /** Source text (for `string`: the unescaped content). */
  readonly text: string;
  readonly start: number;
}

export interface ValueToken {
  readonly text: string;
  readonly quoted: boolean;
  readonly start: number;
}

export type Fail = (position: number, reason: string) => never;

const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
const OPERATOR = /==|!=|<>|<=|>=|&&|\|\||[=<>&|!(),]/y;
const SINGLE: Record<string, TokenKind> = { '(': 'lparen', ')': 'rparen', ',': 'comma', '&': 'amp', '&&': 'amp', '|': 'pipe', '||': 'pipe', '!': 'bang' };

export class Lexer {
  private pos = 0;

  constructor(
    readonly source: string,
    private readonly fail: Fail,
  ) {}

  /** The next structural token, without consuming it. */
  peek(): Token {
    const start = this.skipSpace(this.pos);
    return this.scan(start);
  }

  /** Where the next non-blank character is (the end when there is none). */
  peekPosition(): number {
    return this.skipSpace(this.pos);
  }

  next(): Token {
    const token = this.peek();
    this.pos = token.kind === 'end' ? this.source.length : token.start + this.length(token);
    return token;
  }

  /** Reads a value after an operator; undefined when there is none (end, `&`, `|`, `)` or `,`). */
  readValue(inList: boolean): ValueToken | undefined {
    const start = this.skipSpace(this.pos);
    const first = this.source[start];
    if (first === undefined || first === '&' || first === '|' || first === ')' || (inList && first === ',')) return undefined;
    if (first === '"' || first === "'") {
      const { text, end } = this.quoted(start);
      this.pos = end;
      return { text, quoted: true, start };
    }
    let index = start;
    let depth = 0;
    for (; index < this.source.length; index++) {
      const ch = this.source[index] as string;
      if (ch === '&' || ch === '|' || (inList && depth === 0 && ch === ',')) break;
      if (ch === '(') depth++;
      if (ch === ')' && depth-- === 0) break;
    }
    this.pos = index;
    return { text: this.source.slice(start, index).trim(), quoted: false, start };
  }

  private scan(start: number): Token {
    if (start >= this.source.length) return { kind: 'end', text: '', start: this.source.length };
    const first = this.source[start] as string;
    if (first === '"' || first === "'") return { kind: 'string', text: this.quoted(start).text, start };
    WORD.lastIndex = start;
    const word = WORD.exec(this.source);
    if (word) return { kind: 'word', text: word[0], start };
    OPERATOR.lastIndex = start;
    const operator = OPERATOR.exec(this.source);
    if (operator) return { kind: SINGLE[operator[0]] ?? 'op', text: operator[0], start };
    const character = String.fromCodePoint(this.source.codePointAt(start) ?? 0);
    return this.fail(start, `unexpected character "${character}"`);
  }

  private length(token: Token): number {
    return token.kind === 'string' ? this.quoted(token.start).end - token.start : token.text.length;
  }

  /** A quoted string starting at `start`: its content and the index after the closing quote. */
  private quoted(start: number): { text: string; end: number } {
    const quote = this.source[start] as string;
    let text = '';
    let index = start + 1;
    for (;;) {
      const close = this.source.indexOf(quote, index);
      if (close < 0) return this.fail(start, 'unterminated string (close it with the same quote; double a quote to include it)');
      text += this.source.slice(index, close);
      if (this.source[close + 1] !== quote) return { text, end: close + 1 };
      text += quote;
      index = close + 2;
    }
  }

  private skipSpace(from: number): number {
    let index = from;
    while (index < this.source.length && /\s/.test(this.source[index] as string)) index++;
    return index;
  }
}
