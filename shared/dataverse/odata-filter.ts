import { ValidationError } from '../errors';

export type ColumnType = 'string' | 'integer' | 'guid' | 'datetime' | 'boolean';

export interface ColumnSpec {
  type: ColumnType;
  nullable?: boolean;
  /** gt, ge, lt and le are allowed. */
  ordered?: boolean;
}

export type FilterValue =
  | string
  | number
  | boolean
  | null
  | { guid: string /* lower-case canonical */ }
  | { datetime: number /* epoch ms */ };

export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export type FilterExpression =
  | { kind: 'and' | 'or'; left: FilterExpression; right: FilterExpression }
  | { kind: 'not'; operand: FilterExpression }
  /** `position` is the 1-based position of the column name in the text. */
  | { kind: 'compare'; column: string; op: ComparisonOperator; value: FilterValue; position: number };

export type FilterRow = Readonly<Record<string, FilterValue | undefined>>;

export interface EvaluateOptions {
  /** Decides eq/ne between two non-null values, e.g. to normalize email addresses first. */
  equals?(column: string, rowValue: FilterValue, literal: FilterValue, row: FilterRow): boolean;
}

export const MAX_FILTER_LENGTH = 4000;
/** Parentheses and `not`s together; keeps both the parser and the evaluator far from the stack limit. */
export const MAX_FILTER_DEPTH = 100;

type Columns = Readonly<Record<string, ColumnSpec>>;

interface Token {
  kind: 'word' | 'string' | '(' | ')' | ',' | 'end';
  /** As written, quotes included. */
  text: string;
  position: number;
  /** A string literal's content, `''` unescaped. */
  value?: string;
}

type ColumnOperand = { kind: 'column'; name: string; spec: ColumnSpec; token: Token };
type LiteralOperand = { kind: 'literal'; value: FilterValue; token: Token };
type Operand = ColumnOperand | LiteralOperand;

const ORDERING = new Set<string>(['gt', 'ge', 'lt', 'le']);
const OPERATORS = new Set<string>(['eq', 'ne', ...ORDERING]);
const KEYWORDS = new Set<string>([...OPERATORS, 'and', 'or', 'not', 'null', 'true', 'false']);
const ARITHMETIC = new Set<string>(['add', 'sub', 'mul', 'div', 'divby', 'mod']);
const FLIPPED: Record<ComparisonOperator, ComparisonOperator> = {
  eq: 'eq',
  ne: 'ne',
  gt: 'lt',
  ge: 'le',
  lt: 'gt',
  le: 'ge',
};
const TYPE_NAMES: Record<ColumnType, string> = {
  string: 'a string',
  integer: 'an integer',
  guid: 'a GUID',
  datetime: 'a date-time',
  boolean: 'true or false',
};

const INTEGER = /^-?[0-9]+$/;
const DECIMAL = /^-?[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?[mdf]?$/i;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_LIKE = /^-?[0-9]{4}-[0-9]{2}-[0-9]{2}/;
const DATETIME =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,7}))?)?(?:(Z)|([+-])([0-9]{2}):([0-9]{2}))$/i;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function fail(position: number, message: string): never {
  throw new ValidationError('The $filter is not valid.', [
    { path: '$filter', message: `at position ${position}: ${message}` },
  ]);
}

/**
 * How a message names a token: JSON-quoted when it cannot be personal data (names, GUIDs, dates,
 * numbers of up to 9 digits like option-set codes, short symbols), else described. A filter may
 * hold addresses and phone numbers, and errors never repeat them; string literals are never echoed.
 */
function quote(token: Token): string {
  if (token.kind === 'end') return 'end of input';
  if (token.kind === 'string') return 'a string';
  const text = token.text;
  const harmless =
    token.kind !== 'word' ||
    /^[A-Za-z_$][A-Za-z0-9_.]{0,63}(\/[A-Za-z]+)?$/.test(text) ||
    /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(text) ||
    /^\d{4}-\d\d-\d\d(T[\d:.]+(Z|[+-]\d\d:\d\d)?)?$/i.test(text) ||
    /^@\w{1,15}$/.test(text) ||
    (/^[-+]?\d{1,9}(\.\d{1,9})?$/.test(text) && text.replace(/\D/g, '').length <= 9) ||
    (text.length <= 8 && !/\d{6}|@/.test(text));
  if (harmless) return JSON.stringify(text);
  return /^[-+]?\d/.test(text) ? 'a long number' : 'text that is not part of a filter';
}

function isDelimiter(ch: string): boolean {
  return (
    ch === ' ' ||
    ch === '\t' ||
    ch === '\r' ||
    ch === '\n' ||
    ch === '(' ||
    ch === ')' ||
    ch === ',' ||
    ch === "'"
  );
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    const position = i + 1;
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') {
      i++;
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: ch, text: ch, position });
      i++;
    } else if (ch === "'") {
      let value = '';
      let from = i + 1;
      for (;;) {
        const close = text.indexOf("'", from);
        if (close < 0) fail(position, 'the string that starts here is not closed with a quote');
        value += text.slice(from, close);
        from = close + 1;
        if (text[from] !== "'") break;
        value += "'";
        from++;
      }
      tokens.push({ kind: 'string', text: text.slice(i, from), position, value });
      i = from;
    } else {
      let end = i + 1;
      while (end < text.length && !isDelimiter(text[end]!)) end++;
      tokens.push({ kind: 'word', text: text.slice(i, end), position });
      i = end;
    }
  }
  tokens.push({ kind: 'end', text: '', position: text.length + 1 });
  return tokens;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Epoch ms of an OData date-time, or undefined when it is malformed or not a real instant.
 * Sub-ms digits are dropped.
 */
export function parseDateTime(text: string): number | undefined {
  const m = DATETIME.exec(text);
  if (!m) return undefined;
  const field = (index: number) => Number(m[index] ?? '0');
  const [year, month, day] = [field(1), field(2), field(3)];
  const [hour, minute, second] = [field(4), field(5), field(6)];
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const [offsetHours, offsetMinutes] = [field(10), field(11)];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  // setUTCFullYear, because Date.UTC maps years 0-99 to 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  const offset = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  return date.getTime() - offset * 60_000;
}

function fits(type: ColumnType, value: FilterValue): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'guid':
      return typeof value === 'object' && value !== null && 'guid' in value;
    case 'datetime':
      return typeof value === 'object' && value !== null && 'datetime' in value;
  }
}

class Parser {
  private readonly tokens: Token[];
  private at = 0;

  constructor(
    text: string,
    private readonly columns: Columns,
  ) {
    this.tokens = tokenize(text);
  }

  parse(): FilterExpression {
    const expr = this.parseOr(0, undefined);
    const token = this.peek();
    if (token.kind === ')') fail(token.position, 'this ")" has no matching "("');
    if (token.kind !== 'end')
      fail(token.position, `expected "and", "or" or the end of the filter, found ${quote(token)}`);
    return expr;
  }

  private peek(): Token {
    return this.tokens[this.at]!;
  }

  private take(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.at++;
    return token;
  }

  private isKeyword(token: Token, keyword: string): boolean {
    return token.kind === 'word' && token.text.toLowerCase() === keyword;
  }

  private parseOr(depth: number, after: Token | undefined): FilterExpression {
    let left = this.parseAnd(depth, after);
    while (this.isKeyword(this.peek(), 'or')) {
      const or = this.take();
      left = { kind: 'or', left, right: this.parseAnd(depth, or) };
    }
    return left;
  }

  private parseAnd(depth: number, after: Token | undefined): FilterExpression {
    let left = this.parseUnary(depth, after);
    while (this.isKeyword(this.peek(), 'and')) {
      const and = this.take();
      left = { kind: 'and', left, right: this.parseUnary(depth, and) };
    }
    return left;
  }

  private parseUnary(depth: number, after: Token | undefined): FilterExpression {
    const token = this.peek();
    if (!this.isKeyword(token, 'not') && token.kind !== '(') return this.parseComparison(after);
    if (depth >= MAX_FILTER_DEPTH)
      fail(token.position, `the filter is nested more than ${MAX_FILTER_DEPTH} levels deep`);
    this.take();
    if (token.kind === 'word') return { kind: 'not', operand: this.parseUnary(depth + 1, token) };
    const inner = this.parseOr(depth + 1, token);
    const close = this.take();
    if (close.kind === ')') return inner;
    if (close.kind === 'end')
      fail(close.position, `expected ")" to close the "(" at position ${token.position}, found end of input`);
    return fail(close.position, `expected "and", "or" or ")", found ${quote(close)}`);
  }

  private parseComparison(after: Token | undefined): FilterExpression {
    const context = after ? ` after ${quote(after)}` : '';
    const first = this.readOperand(`a comparison${context}`);
    const opToken = this.take();
    const op = opToken.kind === 'word' ? opToken.text.toLowerCase() : '';
    if (!OPERATORS.has(op)) {
      if (ARITHMETIC.has(op))
        fail(opToken.position, `arithmetic operators are not supported, found ${quote(opToken)}`);
      if (op === 'in')
        fail(opToken.position, 'the "in" operator is not supported; combine "eq" comparisons with "or"');
      if (op === 'has') fail(opToken.position, 'the "has" operator is not supported');
      fail(
        opToken.position,
        `expected eq, ne, gt, ge, lt or le after ${quote(first.token)}, found ${quote(opToken)}`,
      );
    }
    const second = this.readOperand(`a value after ${quote(opToken)}`);
    if (first.kind === 'column' && second.kind === 'column')
      fail(second.token.position, `comparing two columns is not supported, found ${quote(second.token)}`);
    if (first.kind === 'literal' && second.kind === 'literal')
      fail(
        first.token.position,
        `one side of ${quote(opToken)} must be a column name, found ${quote(first.token)}`,
      );
    const columnFirst = first.kind === 'column';
    const column = (columnFirst ? first : second) as ColumnOperand;
    const literal = (columnFirst ? second : first) as LiteralOperand;
    const normalized = columnFirst ? (op as ComparisonOperator) : FLIPPED[op as ComparisonOperator];
    this.check(column, normalized, opToken, literal);
    return {
      kind: 'compare',
      column: column.name,
      op: normalized,
      value: literal.value,
      position: column.token.position,
    };
  }

  private check(
    column: ColumnOperand,
    op: ComparisonOperator,
    opToken: Token,
    literal: LiteralOperand,
  ): void {
    const { spec, name } = column;
    if (ORDERING.has(op) && !spec.ordered) {
      const ordered = Object.keys(this.columns).filter((key) => this.columns[key]!.ordered);
      const list =
        ordered.length > 1 ? `${ordered.slice(0, -1).join(', ')} and ${ordered.at(-1)}` : ordered[0];
      const where = list ? `only supported on ${list}, not on ${name}` : `not supported on ${name}`;
      fail(opToken.position, `ordering comparisons (${quote(opToken)}) are ${where}`);
    }
    const { value, token } = literal;
    if (value === null) {
      if (!spec.nullable) fail(token.position, `${name} is never null and cannot be compared with null`);
      if (ORDERING.has(op))
        fail(opToken.position, `null can only be compared with eq or ne, found ${quote(opToken)}`);
      return;
    }
    if (fits(spec.type, value)) return;
    const unquote =
      token.kind === 'string' && (spec.type === 'guid' || spec.type === 'datetime')
        ? `; write the ${spec.type === 'guid' ? 'GUID' : 'date-time'} without quotes`
        : '';
    fail(token.position, `expected ${TYPE_NAMES[spec.type]} for ${name}, found ${quote(token)}${unquote}`);
  }

  private readOperand(expected: string): Operand {
    const token = this.take();
    if (token.kind === 'string') return { kind: 'literal', value: token.value!, token };
    if (token.kind !== 'word') return fail(token.position, `expected ${expected}, found ${quote(token)}`);
    const text = token.text;
    const lower = text.toLowerCase();
    const literal = (value: FilterValue): Operand => ({ kind: 'literal', value, token });
    if (lower === 'null') return literal(null);
    if (lower === 'true' || lower === 'false') return literal(lower === 'true');
    if (INTEGER.test(text)) {
      const value = Number(text);
      if (!Number.isSafeInteger(value))
        fail(token.position, `${quote(token)} is outside the supported integer range`);
      return literal(value);
    }
    if (DECIMAL.test(text)) fail(token.position, `only whole numbers are supported, found ${quote(token)}`);
    if (GUID.test(text)) return literal({ guid: lower });
    if (DATE_LIKE.test(text)) {
      const datetime = parseDateTime(text);
      if (datetime === undefined)
        fail(token.position, `${quote(token)} is not a valid date-time such as 2026-11-24T07:06:41Z`);
      return literal({ datetime });
    }
    if (KEYWORDS.has(lower)) fail(token.position, `expected ${expected}, found ${quote(token)}`);
    if (text.includes('/'))
      fail(token.position, `navigation paths and lambda operators are not supported, found ${quote(token)}`);
    if (this.peek().kind === '(') fail(token.position, `functions are not supported, found ${quote(token)}`);
    if (text.startsWith('$') || text.startsWith('@'))
      fail(token.position, `${quote(token)} is not supported; use column names and literal values`);
    if (Object.hasOwn(this.columns, text))
      return { kind: 'column', name: text, spec: this.columns[text]!, token };
    if (IDENTIFIER.test(text)) {
      const near = Object.keys(this.columns).find((name) => name.toLowerCase() === lower);
      fail(
        token.position,
        `unknown column ${quote(token)}${near ? ` (column names are case-sensitive: ${near})` : ''}`,
      );
    }
    return fail(token.position, `expected ${expected}, found ${quote(token)}`);
  }
}

/** Parses and type-checks a `$filter`; every problem with the text is a ValidationError naming its position. */
export function parseFilter(text: string, columns: Columns): FilterExpression {
  if (typeof text !== 'string') fail(1, 'the filter must be text');
  if (text.length > MAX_FILTER_LENGTH)
    fail(MAX_FILTER_LENGTH + 1, `the filter is longer than ${MAX_FILTER_LENGTH} characters`);
  return new Parser(text, columns).parse();
}

export function sameValue(a: FilterValue, b: FilterValue): boolean {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return a === b;
  if ('guid' in a && 'guid' in b) return a.guid.toLowerCase() === b.guid.toLowerCase();
  if ('datetime' in a && 'datetime' in b) return a.datetime === b.datetime;
  return false;
}

/** The comparable form of a value, tagged so that values of different kinds never compare. */
function orderKey(value: FilterValue): [string, string | number | boolean | null] {
  if (typeof value !== 'object' || value === null) return [typeof value, value];
  return 'guid' in value ? ['guid', value.guid.toLowerCase()] : ['datetime', value.datetime];
}

/** Negative, zero or positive; undefined when the two values are not of one kind. */
function order(a: FilterValue, b: FilterValue): number | undefined {
  const [[kindA, x], [kindB, y]] = [orderKey(a), orderKey(b)];
  if (kindA !== kindB || x === null || y === null) return undefined;
  return x < y ? -1 : x > y ? 1 : 0;
}

export function evaluateFilter(
  expr: FilterExpression,
  row: FilterRow,
  options: EvaluateOptions = {},
): boolean {
  switch (expr.kind) {
    case 'and':
      return evaluateFilter(expr.left, row, options) && evaluateFilter(expr.right, row, options);
    case 'or':
      return evaluateFilter(expr.left, row, options) || evaluateFilter(expr.right, row, options);
    case 'not':
      return !evaluateFilter(expr.operand, row, options);
    case 'compare': {
      const rowValue = Object.hasOwn(row, expr.column) ? (row[expr.column] ?? null) : null;
      const { op, value } = expr;
      if (rowValue === null || value === null) {
        const bothNull = rowValue === null && value === null;
        return op === 'eq' ? bothNull : op === 'ne' ? !bothNull : false;
      }
      if (op === 'eq' || op === 'ne') {
        const equal = options.equals
          ? options.equals(expr.column, rowValue, value, row)
          : sameValue(rowValue, value);
        return op === 'eq' ? equal : !equal;
      }
      const sign = order(rowValue, value);
      if (sign === undefined) return false;
      return op === 'gt' ? sign > 0 : op === 'ge' ? sign >= 0 : op === 'lt' ? sign < 0 : sign <= 0;
    }
  }
}

/**
 * The literals `column` must equal for the filter to hold, from `eq`s reachable through `and`s (and `or`s
 * whose every branch pins it). Sound, not tight: under `and` one side's pin is kept rather than
 * intersecting, since only the caller's `equals` knows which literals are really the same.
 */
export function pinnedValues(expr: FilterExpression, column: string): FilterValue[] | undefined {
  switch (expr.kind) {
    case 'compare':
      return expr.column === column && expr.op === 'eq' ? [expr.value] : undefined;
    case 'not':
      return undefined;
    case 'and': {
      const left = pinnedValues(expr.left, column);
      const right = pinnedValues(expr.right, column);
      if (!left || !right) return left ?? right;
      return right.length < left.length ? right : left;
    }
    case 'or': {
      const left = pinnedValues(expr.left, column);
      const right = left && pinnedValues(expr.right, column);
      if (!left || !right) return undefined;
      return [...left, ...right.filter((value) => !left.some((seen) => sameValue(seen, value)))];
    }
  }
}
