/*
 * Frequency caps in the check (issue 24): sends counted with a conditional write per contact point;
 * racing checks decided again on what the winner wrote; dry runs count nothing.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE } from '../../shared/domain/catalog';
import { contactPointParser } from '../../shared/domain/contact-point';
import { DEFAULT_SETTINGS } from '../../shared/domain/model';
import { CatalogService } from '../../shared/services/catalog-service';
import { CheckService } from '../../shared/services/check-service';
import { ConsentService } from '../../shared/services/consent-service';
import type { CatalogStore } from '../../shared/storage/catalog-store';
import { MemoryConsentStore } from '../support/memory-consent-store';

const profile = { ...DEFAULT_PROFILE, version: 1, frequencyCaps: { email: { day: 2 } } };
const catalogStore = {
  ready: async () => undefined,
  readProfiles: async () => ({ profiles: [profile], etag: '1', revision: 1 }),
  readSettings: async () => DEFAULT_SETTINGS,
} as unknown as CatalogStore;

function checks(store: MemoryConsentStore) {
  const catalog = new CatalogService(catalogStore, 60_000);
  const parser = contactPointParser('US');
  return new CheckService(new ConsentService(store, catalog, { parser, concurrency: 4 }), catalog, parser);
}
const purpose = DEFAULT_PROFILE.purposes.find((p) => p.type === 'commercial')!.id;
const message = (id: string) => ({
  messageId: id,
  channel: 'email' as const,
  contactPoint: 'race@example.com',
  profileId: DEFAULT_PROFILE.id,
  purposeId: purpose,
  audience: 'contact' as const,
  contact: undefined,
});

describe('frequency caps in the check', () => {
  it('counts sends within a batch and across batches; a dry run counts nothing', async () => {
    const store = new MemoryConsentStore();
    const service = checks(store);
    const dry = await service.check([message('a'), message('b'), message('c')], undefined, undefined, true);
    expect(dry.map((d) => d.decision)).toEqual(['sent', 'sent', 'blocked']);
    expect((await service.check([message('d')])).map((d) => d.decision)).toEqual(['sent']);
    const next = await service.check([message('e'), message('f')]);
    expect(next.map((d) => d.decision)).toEqual(['sent', 'blocked']);
    expect(next[1]!.reasons).toEqual(['frequency-capped']);
  });

  it('racing checks never take more slots than the cap', async () => {
    const store = new MemoryConsentStore();
    const service = checks(store);
    const decisions = await Promise.all(
      Array.from({ length: 10 }, (_, i) => service.check([message(`m${i}`)])),
    );
    expect(decisions.flat().filter((d) => d.decision === 'sent')).toHaveLength(2);
    expect(store.conflicts).toBeGreaterThan(0);
  });
});
