import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE } from '../../shared/domain/catalog';
import { DEFAULT_SETTINGS, type Profile, type Settings } from '../../shared/domain/model';
import { CatalogService } from '../../shared/services/catalog-service';
import type { CatalogStore, StoredProfiles } from '../../shared/storage/catalog-store';

/** An in-memory store whose profile reads can be held back, to order a load against a write. */
class HeldStore implements CatalogStore {
  profiles: Profile[] = [DEFAULT_PROFILE];
  private version = 0;
  held: Array<() => void> = [];
  holdReads = false;

  async ready(): Promise<void> {}
  async readProfiles(): Promise<StoredProfiles> {
    const snapshot = {
      profiles: structuredClone(this.profiles),
      etag: String(this.version),
      revision: this.version,
    };
    if (this.holdReads) await new Promise<void>((release) => this.held.push(release));
    return snapshot;
  }
  async writeProfiles(profiles: Profile[]): Promise<void> {
    this.profiles = structuredClone(profiles);
    this.version++;
  }
  async readSettings(): Promise<Settings> {
    return { ...DEFAULT_SETTINGS };
  }
  async writeSettings(): Promise<void> {}
  async profilesAsOf(): Promise<Profile[]> {
    return structuredClone(this.profiles);
  }
  async settingsAsOf(): Promise<Settings> {
    return { ...DEFAULT_SETTINGS };
  }
  async linkKey(generated: { id: string; secret: string }) {
    return generated;
  }
  async subjectKey(generated: string) {
    return generated;
  }
  async subjectKeyCheck(current: string) {
    return current;
  }
}

describe('CatalogService cache', () => {
  it('a load that began before a profile PUT never caches what it read', async () => {
    const store = new HeldStore();
    const catalog = new CatalogService(store, 60_000);
    store.holdReads = true;
    const staleLoad = catalog.current();
    await new Promise((tick) => setImmediate(tick));
    expect(store.held).toHaveLength(1);

    store.holdReads = false;
    await catalog.putProfile({ ...DEFAULT_PROFILE, name: 'Renamed' });
    // The old load finishes after the PUT: its caller gets what it read, nobody after it does.
    store.held.shift()!();
    expect((await staleLoad).profiles.get('default')!.name).toBe('Default');
    expect((await catalog.getProfile('default')).name).toBe('Renamed');
    expect((await catalog.getProfile('default')).name).toBe('Renamed');
  });
});
