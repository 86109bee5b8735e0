import { invalidArgument } from '../errors';

/**
 * The visibility query language (the SQL-WHERE-like subset Temporal's SQL visibility accepts):
 * comparisons, IN, BETWEEN, STARTS_WITH, IS NULL, AND/OR, parentheses, and `GROUP BY ExecutionStatus`
 * for counts.
 */
export type Value = string | number | boolean;

export type Expr =
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'cmp'; attr: string; op: '=' | '!=' | '>' | '>=' | '<' | '<='; value: Value }
  | { kind: 'in'; attr: string; values: Value[]; negated: boolean }
  | { kind: 'between'; attr: string; low: Value; high: Value; negated: boolean }
  | { kind: 'startsWith'; attr: string; prefix: string; negated: boolean }
  | { kind: 'isNull'; attr: string; negated: boolean };

export interface ParsedQuery {
  where?: Expr;
  groupBy?: string;
  /** Attributes named in an ORDER BY clause (which the SQL visibility store then rejects). */
  orderBy?: string[];
}

type Token = { t: 'ident' | 'string' | 'number' | 'op' | 'punct' | 'word'; v: string };

function fail(message: string): never {
  throw invalidArgument(`invalid query: ${message}`);
}

const KEYWORDS = new Set([
  'AND',
  'OR',
  'NOT',
  'IN',
  'BETWEEN',
  'STARTS_WITH',
  'IS',
  'NULL',
  'TRUE',
  'FALSE',
  'GROUP',
  'BY',
  'ORDER',
  'LIMIT',
  'ASC',
  'DESC',
]);

/** Parentheses the real server's SQL parser nests at most (the 200th opening one is refused). */
const MAX_NESTING = 200;
/** The real server parses the query inside a statement of its own; error positions count from its start. */
const POSITION_OFFSET = 29;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let depth = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      let s = '';
      for (;;) {
        if (j >= text.length) fail(`unterminated string starting at offset ${i}`);
        if (text[j] === '\\' && j + 1 < text.length) {
          s += text[j + 1];
          j += 2;
        } else if (text[j] === c) {
          if (text[j + 1] === c) {
            s += c;
            j += 2;
          } else break;
        } else s += text[j++];
      }
      out.push({ t: 'string', v: s });
      i = j + 1;
    } else if (c === '`') {
      const j = text.indexOf('`', i + 1);
      if (j < 0) fail('unterminated backquoted name');
      out.push({ t: 'ident', v: text.slice(i + 1, j) });
      i = j + 1;
    } else if (/[0-9]/.test(c) || ((c === '-' || c === '+') && /[0-9.]/.test(text[i + 1] ?? ''))) {
      const m = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i))!;
      out.push({ t: 'number', v: m[0] });
      i += m[0].length;
    } else if ('=<>!'.includes(c)) {
      const two = text.slice(i, i + 2);
      if (['!=', '<>', '>=', '<='].includes(two)) {
        out.push({ t: 'op', v: two === '<>' ? '!=' : two });
        i += 2;
      } else if (c === '!') {
        fail(`unexpected character '!' at offset ${i}`);
      } else {
        out.push({ t: 'op', v: c });
        i++;
      }
    } else if (c === '(' || c === ')' || c === ',') {
      if (c === '(' && ++depth >= MAX_NESTING) {
        fail(`malformed SQL query: max nesting level reached at position ${i + POSITION_OFFSET}`);
      }
      if (c === ')') depth--;
      out.push({ t: 'punct', v: c });
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i))!;
      const upper = m[0].toUpperCase();
      out.push(KEYWORDS.has(upper) ? { t: 'word', v: upper } : { t: 'ident', v: m[0] });
      i += m[0].length;
    } else {
      fail(`unexpected character '${c}' at offset ${i}`);
    }
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private isWord(v: string): boolean {
    const t = this.peek();
    return !!t && t.t === 'word' && t.v === v;
  }

  private expectWord(v: string): void {
    if (!this.isWord(v)) fail(`expected ${v}${this.peek() ? ` near '${this.peek()!.v}'` : ' at end of query'}`);
    this.i++;
  }

  private expectPunct(v: string): void {
    const t = this.peek();
    if (!t || t.t !== 'punct' || t.v !== v) fail(`expected '${v}'${t ? ` near '${t.v}'` : ' at end of query'}`);
    this.i++;
  }

  parse(): ParsedQuery {
    const q: ParsedQuery = {};
    if (this.peek() && !this.isWord('GROUP') && !this.isWord('ORDER')) q.where = this.or();
    if (this.isWord('GROUP')) {
      this.i++;
      this.expectWord('BY');
      const t = this.peek();
      if (!t || t.t !== 'ident') fail('expected an attribute name after GROUP BY');
      this.i++;
      if (this.peek()?.t === 'punct' && this.peek()!.v === ',') fail('GROUP BY supports only one attribute');
      q.groupBy = t.v;
    }
    if (this.isWord('ORDER')) {
      this.i++;
      this.expectWord('BY');
      q.orderBy = [];
      for (;;) {
        const t = this.peek();
        if (!t || t.t !== 'ident') fail('expected an attribute name after ORDER BY');
        this.i++;
        q.orderBy.push(t.v);
        if (this.isWord('ASC') || this.isWord('DESC')) this.i++;
        if (this.peek()?.t !== 'punct' || this.peek()!.v !== ',') break;
        this.i++;
      }
    }
    if (this.isWord('LIMIT')) fail("operation is not supported: 'LIMIT' clause");
    if (this.peek()) fail(`unexpected '${this.peek()!.v}'`);
    return q;
  }

  private or(): Expr {
    let left = this.and();
    while (this.isWord('OR')) {
      this.i++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Expr {
    let left = this.primary();
    while (this.isWord('AND')) {
      this.i++;
      left = { kind: 'and', left, right: this.primary() };
    }
    return left;
  }

  private primary(): Expr {
    const t = this.peek();
    if (!t) fail('unexpected end of query');
    if (t.t === 'punct' && t.v === '(') {
      this.i++;
      const e = this.or();
      this.expectPunct(')');
      return e;
    }
    if (t.t !== 'ident') fail(`expected an attribute name, got '${t.v}'`);
    this.i++;
    const attr = t.v;
    let negated = false;
    if (this.isWord('IS')) {
      this.i++;
      if (this.isWord('NOT')) {
        this.i++;
        negated = true;
      }
      this.expectWord('NULL');
      return { kind: 'isNull', attr, negated };
    }
    if (this.isWord('NOT')) {
      this.i++;
      negated = true;
    }
    if (this.isWord('IN')) {
      this.i++;
      this.expectPunct('(');
      const values: Value[] = [this.value()];
      while (this.peek()?.t === 'punct' && this.peek()!.v === ',') {
        this.i++;
        values.push(this.value());
      }
      this.expectPunct(')');
      return { kind: 'in', attr, values, negated };
    }
    if (this.isWord('BETWEEN')) {
      this.i++;
      const low = this.value();
      this.expectWord('AND');
      const high = this.value();
      return { kind: 'between', attr, low, high, negated };
    }
    if (this.isWord('STARTS_WITH')) {
      this.i++;
      const prefix = this.value();
      if (typeof prefix !== 'string') fail('STARTS_WITH needs a string');
      return { kind: 'startsWith', attr, prefix, negated };
    }
    if (negated) fail(`expected IN, BETWEEN or STARTS_WITH after NOT`);
    const op = this.peek();
    if (!op || op.t !== 'op') fail(`expected an operator after ${attr}`);
    this.i++;
    return { kind: 'cmp', attr, op: op.v as '=', value: this.value() };
  }

  private value(): Value {
    const t = this.peek();
    if (!t) fail('expected a value at end of query');
    this.i++;
    if (t.t === 'string') return t.v;
    if (t.t === 'number') return Number(t.v);
    if (t.t === 'word' && (t.v === 'TRUE' || t.v === 'FALSE')) return t.v === 'TRUE';
    return fail(`expected a value, got '${t.v}'`);
  }
}

export function parseQuery(text: string | null | undefined): ParsedQuery {
  const trimmed = (text ?? '').trim();
  if (!trimmed) return {};
  return new Parser(tokenize(trimmed)).parse();
}
