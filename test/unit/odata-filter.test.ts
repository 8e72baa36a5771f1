import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evaluateFilter,
  MAX_FILTER_DEPTH,
  MAX_FILTER_LENGTH,
  parseFilter,
  pinnedValues,
  type ColumnSpec,
  type ComparisonOperator,
  type FilterExpression,
  type FilterValue,
} from '../../shared/dataverse/odata-filter';
import { CONSENT_COLUMNS } from '../../shared/dataverse/entities';
import { ValidationError } from '../../shared/errors';

// The columns the consent rows actually serve, so the parser is tested against what clients can name.
const COLUMNS: Readonly<Record<string, ColumnSpec>> = CONSENT_COLUMNS;
const NAMES = Object.keys(COLUMNS);

const PURPOSE = '8a6e4f2d-1c3b-4f5e-9d7a-0b1c2d3e4f50';
const SEED =
  "msdynmkt_contactpointvalue eq 'someone@example.com' and _msdynmkt_purposeid_value eq " +
  `${PURPOSE} and msdynmkt_contactpointconsenttype eq 534120000 and msdynmkt_contactpointtype eq 534120000`;
const SEED_ROW = {
  msdynmkt_contactpointvalue: 'someone@example.com',
  _msdynmkt_purposeid_value: { guid: PURPOSE },
  msdynmkt_contactpointconsenttype: 534120000,
  msdynmkt_contactpointtype: 534120000,
  msdynmkt_value: 534120001,
};

const parse = (text: string) => parseFilter(text, COLUMNS);
const matches = (text: string, row: Record<string, FilterValue | undefined>) =>
  evaluateFilter(parse(text), row);

/** The one detail message of the ValidationError the text is refused with. */
function refusal(text: string, columns: Record<string, ColumnSpec> = COLUMNS): string {
  try {
    parseFilter(text, columns);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    const { message, details } = error as ValidationError;
    expect(message).toBe('The $filter is not valid.');
    expect(details).toHaveLength(1);
    expect(details[0]!.path).toBe('$filter');
    return details[0]!.message;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

/** The tree without positions, for structural comparison. */
function shape(expr: FilterExpression): unknown {
  switch (expr.kind) {
    case 'compare':
      return { kind: 'compare', column: expr.column, op: expr.op, value: expr.value };
    case 'not':
      return { kind: 'not', operand: shape(expr.operand) };
    default:
      return { kind: expr.kind, left: shape(expr.left), right: shape(expr.right) };
  }
}

describe('parseFilter: the seed query', () => {
  it('parses into four anded comparisons, pins the address and evaluates', () => {
    const expr = parse(SEED);
    expect(pinnedValues(expr, 'msdynmkt_contactpointvalue')).toEqual(['someone@example.com']);
    expect(pinnedValues(expr, '_msdynmkt_purposeid_value')).toEqual([{ guid: PURPOSE }]);
    expect(pinnedValues(expr, 'msdynmkt_contactpointconsenttype')).toEqual([534120000]);
    expect(pinnedValues(expr, 'msdynmkt_value')).toBeUndefined();
    expect(evaluateFilter(expr, SEED_ROW)).toBe(true);
    expect(evaluateFilter(expr, { ...SEED_ROW, msdynmkt_contactpointvalue: 'other@example.com' })).toBe(
      false,
    );
    expect(
      evaluateFilter(expr, { ...SEED_ROW, _msdynmkt_purposeid_value: { guid: PURPOSE.toUpperCase() } }),
    ).toBe(true);
    expect(evaluateFilter(expr, { ...SEED_ROW, msdynmkt_contactpointtype: 534120001 })).toBe(false);
    expect(evaluateFilter(expr, { ...SEED_ROW, msdynmkt_contactpointtype: undefined })).toBe(false);
  });

  it('records the position of each column name', () => {
    const positions: number[] = [];
    const walk = (e: FilterExpression): void => {
      if (e.kind === 'compare') positions.push(e.position);
      else if (e.kind === 'not') walk(e.operand);
      else {
        walk(e.left);
        walk(e.right);
      }
    };
    walk(parse(SEED));
    expect(positions.map((p) => SEED.slice(p - 1).split(' ')[0])).toEqual([
      'msdynmkt_contactpointvalue',
      '_msdynmkt_purposeid_value',
      'msdynmkt_contactpointconsenttype',
      'msdynmkt_contactpointtype',
    ]);
  });
});

describe('parseFilter: grammar', () => {
  it('binds and tighter than or', () => {
    expect(shape(parse('msdynmkt_value eq 1 or msdynmkt_value eq 2 and statecode eq 0'))).toEqual({
      kind: 'or',
      left: { kind: 'compare', column: 'msdynmkt_value', op: 'eq', value: 1 },
      right: {
        kind: 'and',
        left: { kind: 'compare', column: 'msdynmkt_value', op: 'eq', value: 2 },
        right: { kind: 'compare', column: 'statecode', op: 'eq', value: 0 },
      },
    });
    expect(
      matches('msdynmkt_value eq 1 or msdynmkt_value eq 2 and statecode eq 0', {
        msdynmkt_value: 1,
        statecode: 1,
      }),
    ).toBe(true);
    expect(
      matches('(msdynmkt_value eq 1 or msdynmkt_value eq 2) and statecode eq 0', {
        msdynmkt_value: 1,
        statecode: 1,
      }),
    ).toBe(false);
  });

  it('chains and/or to the left', () => {
    const expr = parse('statecode eq 0 and statecode eq 1 and statecode eq 2');
    expect(expr.kind === 'and' && expr.left.kind).toBe('and');
  });

  it('applies not to the comparison or group that follows', () => {
    expect(shape(parse('not statecode eq 0 and statuscode eq 1'))).toEqual({
      kind: 'and',
      left: { kind: 'not', operand: { kind: 'compare', column: 'statecode', op: 'eq', value: 0 } },
      right: { kind: 'compare', column: 'statuscode', op: 'eq', value: 1 },
    });
    expect(matches('not (statecode eq 0 or statecode eq 1)', { statecode: 2 })).toBe(true);
    expect(matches('not (statecode eq 0 or statecode eq 1)', { statecode: 1 })).toBe(false);
    expect(matches('not not statecode eq 1', { statecode: 1 })).toBe(true);
  });

  it('reads keywords in any case and tolerates tabs, newlines and redundant parentheses', () => {
    const expr = parse("((msdynmkt_reason EQ NULL))\tAND\nNOT (statecode Ne 1) Or msdynmkt_reason eq 'x'");
    expect(evaluateFilter(expr, { statecode: 1 })).toBe(true);
    expect(evaluateFilter(expr, { statecode: 0 })).toBe(false);
    expect(evaluateFilter(expr, { statecode: 0, msdynmkt_reason: 'x' })).toBe(true);
    expect(evaluateFilter(expr, { statecode: 1, msdynmkt_reason: 'y' })).toBe(false);
  });

  it('normalizes literal-first comparisons to column-first, flipping the ordering operators', () => {
    expect(shape(parse('534120000 eq msdynmkt_value'))).toEqual({
      kind: 'compare',
      column: 'msdynmkt_value',
      op: 'eq',
      value: 534120000,
    });
    const flips: Array<[ComparisonOperator, ComparisonOperator]> = [
      ['gt', 'lt'],
      ['ge', 'le'],
      ['lt', 'gt'],
      ['le', 'ge'],
      ['ne', 'ne'],
    ];
    for (const [written, normalized] of flips) {
      const expr = parse(`2026-11-24T07:06:41Z ${written} modifiedon`);
      expect(expr).toMatchObject({ column: 'modifiedon', op: normalized, position: 23 + written.length });
    }
    expect(
      matches('2026-11-24T07:06:41Z lt modifiedon', { modifiedon: { datetime: Date.UTC(2026, 10, 25) } }),
    ).toBe(true);
  });
});

describe('parseFilter: literals', () => {
  it("unescapes '' inside strings", () => {
    expect(parse("msdynmkt_reason eq 'O''Brien'")).toMatchObject({ value: "O'Brien" });
    expect(parse("msdynmkt_reason eq ''''")).toMatchObject({ value: "'" });
    expect(parse("msdynmkt_reason eq ''")).toMatchObject({ value: '' });
    expect(parse("msdynmkt_reason eq ' and ( ) eq, ü 😀 '")).toMatchObject({ value: ' and ( ) eq, ü 😀 ' });
    expect(matches("msdynmkt_reason eq 'O''Brien'", { msdynmkt_reason: "O'Brien" })).toBe(true);
  });

  it('reads integers, including option-set codes and negatives, within the safe range', () => {
    expect(parse('msdynmkt_value eq 534120000')).toMatchObject({ value: 534120000 });
    expect(parse('msdynmkt_value eq -12')).toMatchObject({ value: -12 });
    expect(parse(`versionnumber eq ${Number.MAX_SAFE_INTEGER}`)).toMatchObject({
      value: Number.MAX_SAFE_INTEGER,
    });
  });

  it('reads bare GUIDs in any case and canonicalizes them to lower case', () => {
    expect(parse(`_msdynmkt_purposeid_value eq ${PURPOSE.toUpperCase()}`)).toMatchObject({
      value: { guid: PURPOSE },
    });
  });

  it('reads booleans and null', () => {
    const columns = { ...COLUMNS, flag: { type: 'boolean' as const, nullable: true } };
    expect(parseFilter('flag eq TRUE', columns)).toMatchObject({ value: true });
    expect(parseFilter('flag ne false', columns)).toMatchObject({ value: false });
    expect(parseFilter('flag eq null', columns)).toMatchObject({ value: null });
    expect(evaluateFilter(parseFilter('flag ne false', columns), { flag: true })).toBe(true);
    expect(refusal("flag eq 'true'", columns)).toBe(
      `at position 9: expected true or false for flag, found a string`,
    );
  });

  it('reads OData date-times with fractions and offsets as epoch milliseconds', () => {
    const cases: Array<[string, number]> = [
      ['2026-11-24T07:06:41Z', Date.UTC(2026, 10, 24, 7, 6, 41)],
      ['2026-11-24T07:06Z', Date.UTC(2026, 10, 24, 7, 6)],
      ['2026-11-24T07:06:41.5Z', Date.UTC(2026, 10, 24, 7, 6, 41, 500)],
      ['2026-11-24T07:06:41.1234567Z', Date.UTC(2026, 10, 24, 7, 6, 41, 123)],
      ['2026-11-24T08:06:41+01:00', Date.UTC(2026, 10, 24, 7, 6, 41)],
      ['2026-11-23T21:36:41-09:30', Date.UTC(2026, 10, 24, 7, 6, 41)],
      ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
      ['0001-01-01T00:00:00Z', -62135596800000],
    ];
    for (const [text, epoch] of cases)
      expect(parse(`createdon eq ${text}`)).toMatchObject({ value: { datetime: epoch } });
  });

  it('refuses date-times that are not real instants', () => {
    for (const text of [
      '2026-02-30T00:00:00Z',
      '2025-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-11-24T24:00:00Z',
      '2026-11-24T07:60:00Z',
      '2026-11-24T07:06:60Z',
      '2026-11-24T07:06:41',
      '2026-11-24T07:06:41+24:00',
      '2026-11-24T07:06:41.12345678Z',
      '2026-11-24',
    ]) {
      expect(refusal(`createdon eq ${text}`)).toBe(
        `at position 14: ${JSON.stringify(text)} is not a valid date-time such as 2026-11-24T07:06:41Z`,
      );
    }
  });
});

describe('parseFilter: refusals name the position and the token', () => {
  const cases: Array<[string, string]> = [
    ['msdynmkt_value eq', 'at position 18: expected a value after "eq", found end of input'],
    ['msdynmkt_value eq and statecode eq 1', 'at position 19: expected a value after "eq", found "and"'],
    ['eq 1', 'at position 1: expected a comparison, found "eq"'],
    [
      '(msdynmkt_value eq 1',
      'at position 21: expected ")" to close the "(" at position 1, found end of input',
    ],
    ['(msdynmkt_value eq 1 statecode', 'at position 22: expected "and", "or" or ")", found "statecode"'],
    ['msdynmkt_value eq 1)', 'at position 20: this ")" has no matching "("'],
    ["msdynmkt_reason eq 'x", 'at position 20: the string that starts here is not closed with a quote'],
    [
      "msdynmkt_reason eq 'O''Brien",
      'at position 20: the string that starts here is not closed with a quote',
    ],
    ['msdynmkt_value eq 1 and', 'at position 24: expected a comparison after "and", found end of input'],
    ['msdynmkt_value eq 1 or ', 'at position 24: expected a comparison after "or", found end of input'],
    ['msdynmkt_value eq 1 and not', 'at position 28: expected a comparison after "not", found end of input'],
    ['msdynmkt_value eq 1 and ()', 'at position 26: expected a comparison after "(", found ")"'],
    [
      "msdynmkt_value gt 'x'",
      'at position 16: ordering comparisons ("gt") are only supported on createdon and modifiedon, not on msdynmkt_value',
    ],
    ['nosuch eq 1', 'at position 1: unknown column "nosuch"'],
    ['statecode eq 1 and 1 eq nosuch', 'at position 25: unknown column "nosuch"'],
    [
      'Statecode eq 1',
      'at position 1: unknown column "Statecode" (column names are case-sensitive: statecode)',
    ],
    ['constructor eq 1', 'at position 1: unknown column "constructor"'],
    ['__proto__ eq 1', 'at position 1: unknown column "__proto__"'],
    [
      'modifiedon eq 2026-02-30T00:00:00Z',
      'at position 15: "2026-02-30T00:00:00Z" is not a valid date-time such as 2026-11-24T07:06:41Z',
    ],
    ["contains(msdynmkt_reason,'x')", 'at position 1: functions are not supported, found "contains"'],
    ["startswith (msdynmkt_reason, 'x')", 'at position 1: functions are not supported, found "startswith"'],
    [
      'statecode eq 1 statuscode eq 2',
      'at position 16: expected "and", "or" or the end of the filter, found "statuscode"',
    ],
    ['statecode eq 1,', 'at position 15: expected "and", "or" or the end of the filter, found ","'],
    ['', 'at position 1: expected a comparison, found end of input'],
    ['   ', 'at position 4: expected a comparison, found end of input'],
    [')', 'at position 1: expected a comparison, found ")"'],
    ['statecode', 'at position 10: expected eq, ne, gt, ge, lt or le after "statecode", found end of input'],
    ['statecode = 1', 'at position 11: expected eq, ne, gt, ge, lt or le after "statecode", found "="'],
    ['statecode add 1 eq 2', 'at position 11: arithmetic operators are not supported, found "add"'],
    [
      'statecode in (0, 1)',
      'at position 11: the "in" operator is not supported; combine "eq" comparisons with "or"',
    ],
    ['statecode has 1', 'at position 11: the "has" operator is not supported'],
    [
      "msdynmkt_reason/any(r: r eq 'x')",
      'at position 1: navigation paths and lambda operators are not supported, found "msdynmkt_reason/any"',
    ],
    ['$it eq 1', 'at position 1: "$it" is not supported; use column names and literal values'],
    ['statecode eq @p1', 'at position 14: "@p1" is not supported; use column names and literal values'],
    ['statecode eq 1.5', 'at position 14: only whole numbers are supported, found "1.5"'],
    ['statecode eq 9007199254740992', 'at position 14: a long number is outside the supported integer range'],
    ['statecode eq +1', 'at position 14: expected a value after "eq", found "+1"'],
    ['statecode eq statuscode', 'at position 14: comparing two columns is not supported, found "statuscode"'],
    ['1 eq 1', 'at position 1: one side of "eq" must be a column name, found "1"'],
    ['statecode eq null', 'at position 14: statecode is never null and cannot be compared with null'],
    ["statecode eq '1'", `at position 14: expected an integer for statecode, found a string`],
    ['msdynmkt_reason eq 1', 'at position 20: expected a string for msdynmkt_reason, found "1"'],
    [
      `_msdynmkt_purposeid_value eq '${PURPOSE}'`,
      `at position 30: expected a GUID for _msdynmkt_purposeid_value, found a string; write the GUID without quotes`,
    ],
    [
      "createdon gt '2026-11-24T07:06:41Z'",
      `at position 14: expected a date-time for createdon, found a string; write the date-time without quotes`,
    ],
    ['createdon eq 534120000', 'at position 14: expected a date-time for createdon, found "534120000"'],
    [
      '_msdynmkt_purposeid_value eq 8a6e4f2d-1c3b-4f5e-9d7a',
      'at position 30: expected a value after "eq", found a long number',
    ],
    ['statecode eq ü\u0000', 'at position 14: expected a value after "eq", found "ü\\u0000"'],
    ['statecode eq \ud800', 'at position 14: expected a value after "eq", found "\\ud800"'],
  ];

  it.each(cases)('%j', (text, message) => {
    expect(refusal(text)).toBe(message);
  });

  it('refuses null in ordering comparisons on nullable ordered columns', () => {
    const columns = { ...COLUMNS, closedon: { type: 'datetime' as const, ordered: true, nullable: true } };
    expect(refusal('closedon lt null', columns)).toBe(
      'at position 10: null can only be compared with eq or ne, found "lt"',
    );
    expect(refusal('statecode gt 1', { statecode: { type: 'integer' } })).toBe(
      'at position 11: ordering comparisons ("gt") are not supported on statecode',
    );
  });

  it('never repeats long or personal text in messages: string literals and long numbers are described', () => {
    expect(refusal(`statecode eq ${'#'.repeat(3000)}`)).toBe(
      'at position 14: expected a value after "eq", found text that is not part of a filter',
    );
    expect(refusal("msdynmkt_value eq 'alice@example.com'")).not.toContain('alice');
    expect(refusal('msdynmkt_value eq +14255550100')).not.toContain('4255550100');
  });
});

describe('parseFilter: limits', () => {
  const comparison = 'statecode eq 1';

  it(`allows ${MAX_FILTER_DEPTH} levels of parentheses and not, and refuses one more`, () => {
    const nest = (n: number, open: string, close = '') => `${open.repeat(n)}${comparison}${close.repeat(n)}`;
    expect(matches(nest(MAX_FILTER_DEPTH, '(', ')'), { statecode: 1 })).toBe(true);
    expect(matches(nest(MAX_FILTER_DEPTH, 'not '), { statecode: 1 })).toBe(true);
    expect(matches(nest(MAX_FILTER_DEPTH / 2, 'not (', ')'), { statecode: 1 })).toBe(true);
    const deeper = 'at position 101: the filter is nested more than 100 levels deep';
    expect(refusal(nest(MAX_FILTER_DEPTH + 1, '(', ')'))).toBe(deeper);
    expect(refusal(nest(MAX_FILTER_DEPTH + 1, '(', ''))).toBe(deeper);
    expect(refusal(nest(MAX_FILTER_DEPTH + 1, 'not '))).toBe(
      'at position 401: the filter is nested more than 100 levels deep',
    );
    expect(refusal('('.repeat(MAX_FILTER_LENGTH))).toBe(deeper);
  });

  it(`allows ${MAX_FILTER_LENGTH} characters and refuses one more`, () => {
    const padded = comparison.padEnd(MAX_FILTER_LENGTH, ' ');
    expect(matches(padded, { statecode: 1 })).toBe(true);
    expect(refusal(`${padded} `)).toBe('at position 4001: the filter is longer than 4000 characters');
  });

  it('parses and evaluates the longest and-chain that fits', () => {
    const chain = (n: number) => Array.from({ length: n }, () => comparison).join(' and ');
    expect(chain(211).length).toBeGreaterThan(MAX_FILTER_LENGTH);
    expect(matches(chain(210), { statecode: 1 })).toBe(true);
    expect(matches(`not (${chain(209)})`, { statecode: 1 })).toBe(false);
    expect(matches(`not (${chain(209)})`, { statecode: 2 })).toBe(true);
  });
});

describe('evaluateFilter', () => {
  it('follows OData null semantics', () => {
    const empty = {};
    expect(matches('msdynmkt_reason eq null', empty)).toBe(true);
    expect(matches('msdynmkt_reason eq null', { msdynmkt_reason: null })).toBe(true);
    expect(matches('msdynmkt_reason eq null', { msdynmkt_reason: '' })).toBe(false);
    expect(matches('msdynmkt_reason ne null', empty)).toBe(false);
    expect(matches('msdynmkt_reason ne null', { msdynmkt_reason: 'x' })).toBe(true);
    expect(matches("msdynmkt_reason eq 'x'", empty)).toBe(false);
    expect(matches("msdynmkt_reason ne 'x'", empty)).toBe(true);
    expect(matches('_msdynmkt_topicid_value eq null', { _msdynmkt_topicid_value: null })).toBe(true);
    for (const op of ['gt', 'ge', 'lt', 'le']) {
      expect(matches(`createdon ${op} 2026-11-24T07:06:41Z`, { createdon: null })).toBe(false);
      expect(matches(`not createdon ${op} 2026-11-24T07:06:41Z`, { createdon: null })).toBe(true);
    }
  });

  it('orders date-times by instant, whatever the offset they were written with', () => {
    const at = (ms: number) => ({ modifiedon: { datetime: ms } });
    const instant = Date.UTC(2026, 10, 24, 7, 6, 41);
    expect(matches('modifiedon gt 2026-11-24T07:06:41Z', at(instant + 1))).toBe(true);
    expect(matches('modifiedon gt 2026-11-24T07:06:41Z', at(instant))).toBe(false);
    expect(matches('modifiedon ge 2026-11-24T07:06:41Z', at(instant))).toBe(true);
    expect(matches('modifiedon lt 2026-11-24T08:06:41+01:00', at(instant - 1))).toBe(true);
    expect(matches('modifiedon le 2026-11-24T08:06:41+01:00', at(instant + 1))).toBe(false);
    expect(matches('modifiedon eq 2026-11-24T02:06:41-05:00', at(instant))).toBe(true);
    expect(
      matches('modifiedon ge 2026-01-01T00:00:00Z and modifiedon lt 2027-01-01T00:00:00Z', at(instant)),
    ).toBe(true);
  });

  it('never matches values of another kind', () => {
    expect(matches('createdon gt 2026-11-24T07:06:41Z', { createdon: 'tomorrow' })).toBe(false);
    expect(matches('statecode eq 1', { statecode: '1' })).toBe(false);
    expect(matches('statecode ne 1', { statecode: '1' })).toBe(true);
    expect(matches(`_msdynmkt_purposeid_value eq ${PURPOSE}`, { _msdynmkt_purposeid_value: PURPOSE })).toBe(
      false,
    );
  });

  it('lets the caller decide equality of non-null values', () => {
    const calls: unknown[][] = [];
    const equals = (column: string, rowValue: FilterValue, literal: FilterValue) => {
      calls.push([column, rowValue, literal]);
      return typeof rowValue === 'string' && typeof literal === 'string'
        ? rowValue.toLowerCase() === literal.toLowerCase()
        : rowValue === literal;
    };
    const expr = parse("msdynmkt_contactpointvalue eq 'Someone@Example.com' and msdynmkt_reason ne null");
    expect(
      evaluateFilter(
        expr,
        { msdynmkt_contactpointvalue: 'someone@example.COM', msdynmkt_reason: 'r' },
        { equals },
      ),
    ).toBe(true);
    expect(calls).toEqual([['msdynmkt_contactpointvalue', 'someone@example.COM', 'Someone@Example.com']]);
    calls.length = 0;
    expect(evaluateFilter(parse("msdynmkt_reason ne 'X'"), { msdynmkt_reason: 'x' }, { equals })).toBe(false);
    expect(evaluateFilter(parse("msdynmkt_reason ne 'X'"), {}, { equals })).toBe(true);
    expect(calls).toHaveLength(1);
  });

  it('short-circuits and and or', () => {
    let calls = 0;
    const equals = () => (calls++, false);
    evaluateFilter(parse('statecode eq 1 and statuscode eq 1'), { statecode: 1, statuscode: 1 }, { equals });
    evaluateFilter(parse('statecode ne 1 or statuscode eq 1'), { statecode: 1, statuscode: 1 }, { equals });
    expect(calls).toBe(2);
  });

  it('ignores inherited properties of the row', () => {
    expect(matches('msdynmkt_reason eq null', Object.create({ msdynmkt_reason: 'x' }))).toBe(true);
  });
});

describe('pinnedValues', () => {
  const pins = (text: string, column = 'msdynmkt_contactpointvalue') => pinnedValues(parse(text), column);

  it('finds eqs under a chain of ands, through parentheses', () => {
    expect(pins("msdynmkt_contactpointvalue eq 'x' and (statecode eq 1)")).toEqual(['x']);
    expect(pins("statecode eq 1 and ((msdynmkt_contactpointvalue eq 'x'))")).toEqual(['x']);
    expect(pins("'x' eq msdynmkt_contactpointvalue")).toEqual(['x']);
  });

  it('takes an or of pins on the same column as a pin', () => {
    expect(
      pins("(msdynmkt_contactpointvalue eq 'x' or msdynmkt_contactpointvalue eq 'y') and statecode eq 1"),
    ).toEqual(['x', 'y']);
    expect(
      pins("(msdynmkt_contactpointvalue eq 'x' and statecode eq 1) or msdynmkt_contactpointvalue eq 'y'"),
    ).toEqual(['x', 'y']);
    expect(pins("msdynmkt_contactpointvalue eq 'x' or msdynmkt_contactpointvalue eq 'x'")).toEqual(['x']);
    expect(pins('msdynmkt_reason eq null', 'msdynmkt_reason')).toEqual([null]);
  });

  it('keeps one side when both sides of an and pin the column', () => {
    expect(
      pins(
        "(msdynmkt_contactpointvalue eq 'x' or msdynmkt_contactpointvalue eq 'y') and msdynmkt_contactpointvalue eq 'z'",
      ),
    ).toEqual(['z']);
  });

  it('pins nothing otherwise', () => {
    expect(pins("msdynmkt_contactpointvalue eq 'x' or statecode eq 1")).toBeUndefined();
    expect(pins("msdynmkt_contactpointvalue ne 'x'")).toBeUndefined();
    expect(pins("not msdynmkt_contactpointvalue eq 'x'")).toBeUndefined();
    expect(pins("not (msdynmkt_contactpointvalue ne 'x')")).toBeUndefined();
    expect(pins("msdynmkt_reason eq 'x'")).toBeUndefined();
  });
});

// ---- properties ----

type Written =
  | { kind: 'and' | 'or'; left: Written; right: Written }
  | { kind: 'not'; operand: Written }
  | {
      kind: 'compare';
      column: string;
      op: ComparisonOperator;
      value: FilterValue;
      text: string;
      literalFirst: boolean;
    };

const FLIP: Record<ComparisonOperator, ComparisonOperator> = {
  eq: 'eq',
  ne: 'ne',
  gt: 'lt',
  ge: 'le',
  lt: 'gt',
  le: 'ge',
};
const SAMPLE: Record<string, FilterValue[]> = {
  string: ['someone@example.com', "O'Brien", '', 'x', 'Ünïcödé 😀', "''"],
  integer: [0, 1, -1, 534120000, 534120001, Number.MAX_SAFE_INTEGER],
  guid: [PURPOSE, '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff'].map(
    (guid) => ({ guid }),
  ),
  datetime: [
    Date.UTC(2026, 10, 24, 7, 6, 41),
    Date.UTC(2026, 10, 24, 7, 6, 41, 1),
    Date.UTC(2024, 1, 29),
    Date.UTC(1999, 11, 31, 23, 59, 59, 999),
  ].map((datetime) => ({ datetime })),
  boolean: [true, false],
};

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function writeDateTime(epoch: number, offsetMinutes: number, sevenDigits: boolean): string {
  const local = new Date(epoch + offsetMinutes * 60_000);
  const millis = local.getUTCMilliseconds();
  const fraction = millis || sevenDigits ? `.${pad(millis, 3)}${sevenDigits ? '0000' : ''}` : '';
  const zone =
    offsetMinutes === 0 && !sevenDigits
      ? 'Z'
      : `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offsetMinutes) / 60))}:${pad(Math.abs(offsetMinutes) % 60)}`;
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${fraction}${zone}`
  );
}

/** A literal that fits the column, with one of the ways it may be written. */
function literalFor(spec: ColumnSpec): fc.Arbitrary<[FilterValue, string]> {
  const written: fc.Arbitrary<[FilterValue, string]> = (() => {
    switch (spec.type) {
      case 'string':
        return fc
          .oneof(fc.constantFrom(...(SAMPLE.string as string[])), fc.string({ maxLength: 8 }))
          .map((s): [FilterValue, string] => [s, `'${s.replaceAll("'", "''")}'`]);
      case 'integer':
        return fc
          .oneof(fc.constantFrom(...(SAMPLE.integer as number[])), fc.maxSafeInteger())
          .map((n): [FilterValue, string] => [n, String(n)]);
      case 'guid':
        return fc
          .tuple(fc.constantFrom(...SAMPLE.guid!), fc.boolean())
          .map(([v, upper]): [FilterValue, string] => {
            const { guid } = v as { guid: string };
            return [v, upper ? guid.toUpperCase() : guid];
          });
      case 'datetime':
        return fc
          .tuple(
            fc.constantFrom(...SAMPLE.datetime!),
            fc.integer({ min: -14 * 60, max: 14 * 60 }),
            fc.boolean(),
          )
          .map(([v, offset, seven]): [FilterValue, string] => [
            v,
            writeDateTime((v as { datetime: number }).datetime, offset, seven),
          ]);
      case 'boolean':
        return fc.boolean().map((b): [FilterValue, string] => [b, String(b)]);
    }
  })();
  return spec.nullable
    ? fc.oneof(written, fc.constantFrom<[FilterValue, string]>([null, 'null'], [null, 'NULL']))
    : written;
}

const compareArb: fc.Arbitrary<Written> = fc.constantFrom(...NAMES).chain((column) => {
  const spec = COLUMNS[column]!;
  const ops: ComparisonOperator[] = spec.ordered ? ['eq', 'ne', 'gt', 'ge', 'lt', 'le'] : ['eq', 'ne'];
  return fc
    .tuple(literalFor(spec), fc.constantFrom(...ops), fc.boolean())
    .map(([[value, text], op, literalFirst]): Written => ({
      kind: 'compare',
      column,
      op: value === null ? (op === 'ne' ? 'ne' : 'eq') : op,
      value,
      text,
      literalFirst,
    }));
});

const writtenArb: fc.Arbitrary<Written> = fc.letrec<{ node: Written }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 5, depthSize: 'small' },
    compareArb,
    fc.record({
      kind: fc.constantFrom('and' as const, 'or' as const),
      left: tie('node'),
      right: tie('node'),
    }),
    fc.record({ kind: fc.constant('not' as const), operand: tie('node') }),
  ),
})).node;

const PRECEDENCE = { or: 1, and: 2, not: 3, compare: 4 };

/** Minimal parentheses, so precedence is exercised; a right operand of its own kind keeps its parentheses. */
function print(w: Written, shout: boolean, context = 0): string {
  const kw = (word: string) => (shout ? word.toUpperCase() : word);
  let text: string;
  if (w.kind === 'compare')
    text = w.literalFirst ? `${w.text} ${kw(FLIP[w.op])} ${w.column}` : `${w.column} ${kw(w.op)} ${w.text}`;
  else if (w.kind === 'not') text = `${kw('not')} ${print(w.operand, shout, PRECEDENCE.not)}`;
  else {
    const own = PRECEDENCE[w.kind];
    text = `${print(w.left, shout, own)} ${kw(w.kind)} ${print(w.right, shout, own + 1)}`;
  }
  return PRECEDENCE[w.kind] < context ? `(${text})` : text;
}

function expected(w: Written): unknown {
  switch (w.kind) {
    case 'compare':
      return { kind: 'compare', column: w.column, op: w.op, value: w.value };
    case 'not':
      return { kind: 'not', operand: expected(w.operand) };
    default:
      return { kind: w.kind, left: expected(w.left), right: expected(w.right) };
  }
}

/** An independent statement of the semantics, to hold the evaluator to. */
function reference(w: Written, row: Record<string, FilterValue | undefined>): boolean {
  switch (w.kind) {
    case 'and':
      return reference(w.left, row) && reference(w.right, row);
    case 'or':
      return reference(w.left, row) || reference(w.right, row);
    case 'not':
      return !reference(w.operand, row);
    case 'compare': {
      const plain = (v: FilterValue | undefined) =>
        v === undefined || v === null ? null : typeof v !== 'object' ? v : 'guid' in v ? v.guid : v.datetime;
      const [a, b] = [plain(row[w.column]), plain(w.value)];
      if (a === null || b === null) return w.op === 'eq' ? a === b : w.op === 'ne' ? a !== b : false;
      return { eq: a === b, ne: a !== b, gt: a > b, ge: a >= b, lt: a < b, le: a <= b }[w.op];
    }
  }
}

const rowArb = fc.record(
  Object.fromEntries(
    NAMES.map((name) => {
      const spec = COLUMNS[name]!;
      const values = fc.constantFrom(...SAMPLE[spec.type]!);
      return [name, spec.nullable ? fc.oneof(values, fc.constant(null), fc.constant(undefined)) : values];
    }),
  ),
  { requiredKeys: NAMES.filter((name) => !COLUMNS[name]!.nullable) },
) as fc.Arbitrary<Record<string, FilterValue | undefined>>;

const TOKENS = [
  ...NAMES,
  'nosuch',
  ...['and', 'or', 'not', 'eq', 'ne', 'gt', 'ge', 'lt', 'le', 'null', 'true', 'false', 'AND', 'Eq', 'NULL'],
  ...['add', 'in', 'has', 'contains', 'startswith', 'any', 'all', '$it', '$filter', '@p', '/', ':', '='],
  ...["'x'", "'O''Brien'", "'", "''", "'''", '534120000', '-1', '1.5', '9007199254740993', '-', '+1'],
  ...[PURPOSE, PURPOSE.toUpperCase(), '8a6e4f2d-1c3b', '2026-11-24T07:06:41Z', '2026-02-30T00:00:00Z'],
  ...['2026-11-24T07:06:41.1234567+01:00', '2026-11-24', '(', ')', '((', '))', ',', '%20', '\t', '\n'],
  ...['\u0000', '\ud800', '\udc00', '😀', 'é', '\u202e', '\ufeff', '\\', '"'],
];

const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', minLength: 3990, maxLength: 4010 }),
  fc
    .array(fc.tuple(fc.constantFrom(...TOKENS), fc.constantFrom(' ', ' ', '', '  ')), { maxLength: 60 })
    .map((parts) => parts.map(([token, gap]) => token + gap).join('')),
  fc
    .array(fc.constantFrom(...TOKENS), { maxLength: 1200 })
    .map((parts) => parts.join(' ').slice(0, MAX_FILTER_LENGTH)),
);

describe('parseFilter: properties', () => {
  it('for any text, returns a tree or throws a ValidationError with a position, quickly', () => {
    let slowest = 0;
    fc.assert(
      fc.property(anyText, (text) => {
        const started = performance.now();
        try {
          const expr = parse(text);
          evaluateFilter(expr, {});
          pinnedValues(expr, 'msdynmkt_contactpointvalue');
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          const [detail] = (error as ValidationError).details;
          const position = Number(/^at position (\d+): ./.exec(detail!.message)?.[1]);
          expect(position).toBeGreaterThanOrEqual(1);
          expect(position).toBeLessThanOrEqual(Math.min(text.length, MAX_FILTER_LENGTH) + 1);
        }
        slowest = Math.max(slowest, performance.now() - started);
      }),
      { numRuns: 3000 },
    );
    expect(slowest).toBeLessThan(250);
  });

  it('refuses the worst shapes quickly', () => {
    for (const text of [
      '('.repeat(MAX_FILTER_LENGTH),
      'not '.repeat(MAX_FILTER_LENGTH / 4),
      "'".repeat(MAX_FILTER_LENGTH - 1),
      "''".repeat(MAX_FILTER_LENGTH / 2),
      `statecode eq ${'9'.repeat(MAX_FILTER_LENGTH - 13)}`,
      `createdon eq 2026-11-24T07:06:41.${'1'.repeat(MAX_FILTER_LENGTH - 36)}Z`,
      'x'.repeat(MAX_FILTER_LENGTH * 100),
    ]) {
      const started = performance.now();
      expect(() => parse(text)).toThrow(ValidationError);
      expect(performance.now() - started).toBeLessThan(250);
    }
  });

  it('round-trips printed trees: same structure, same verdict on any row', () => {
    fc.assert(
      fc.property(
        writtenArb,
        fc.boolean(),
        fc.array(rowArb, { minLength: 1, maxLength: 8 }),
        (w, shout, rows) => {
          const text = print(w, shout);
          fc.pre(text.length <= MAX_FILTER_LENGTH);
          const expr = parse(text);
          expect(shape(expr)).toEqual(expected(w));
          for (const row of rows) expect(evaluateFilter(expr, row)).toBe(reference(w, row));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('pins are sound: a matching row holds one of the pinned values', () => {
    fc.assert(
      fc.property(writtenArb, rowArb, fc.constantFrom(...NAMES), (w, row, column) => {
        const text = print(w, false);
        fc.pre(text.length <= MAX_FILTER_LENGTH);
        const expr = parse(text);
        const pinned = pinnedValues(expr, column);
        if (!pinned || !evaluateFilter(expr, row)) return;
        const held = row[column] ?? null;
        expect(
          pinned.some((value) =>
            evaluateFilter({ kind: 'compare', column, op: 'eq', value, position: 1 }, { [column]: held }),
          ),
        ).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
