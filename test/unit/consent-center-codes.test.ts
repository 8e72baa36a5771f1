/* The admin page's code lists are the domain's own: they cannot drift. */
import { describe, expect, it } from 'vitest';
import { BLOCK_REASONS, TRACKING_REASONS } from '../../shared/domain/evaluate';
import { REASON_WORDS } from '../../shared/domain/reason-words';
import { CHANNELS, CONSENT_VALUES, REASONS, SOURCES, STATUSES } from '../../shared/domain/model';

const CODES = '../../shared/web/assets/consent-center/codes.js';

describe("the consent center's code lists", () => {
  it('are the lists of the domain, and every reason a decision can give has words', async () => {
    const codes: any = await import(CODES);
    expect(codes.CHANNELS).toEqual([...CHANNELS]);
    expect(codes.VALUES).toEqual([...CONSENT_VALUES]);
    expect(codes.STATUSES).toEqual([...STATUSES]);
    expect(codes.SOURCES).toEqual([...SOURCES]);
    expect(codes.REASONS).toEqual([...REASONS]);
    expect(Object.keys(codes.WHY).sort()).toEqual(
      [...new Set([...BLOCK_REASONS, ...TRACKING_REASONS])].sort(),
    );
    // The words agents and the API use are the page's words.
    expect(codes.WHY).toEqual(REASON_WORDS);
  });
});
