import { buildCatalog, type Catalog } from '../domain/catalog';
import type { Profile, Settings } from '../domain/model';
import {
  dataverseIdsTaken,
  idsTakenByOthers,
  numbersTakenByOthers,
  profileShapeProblems,
} from '../domain/profile-rules';
import { ConflictError, NotFoundError, StorageContentionError, ValidationError } from '../errors';
import { profileBodySchema } from '../api/platform/platform.schemas';
import { smsReplyProblems, translationProblems } from '../domain/sms-replies';
import type { CatalogStore } from '../storage/catalog-store';
import { issueDetails } from '../utils/issue-details';
import { WriteConflict } from '../storage/write-conflict';

const MAX_WRITE_ATTEMPTS = 10;

/**
 * Profiles and the environment switch, cached for at most `ttlMs` (the README states the bound).
 * Consent records are never cached; this is the only cache in the service.
 */
export class CatalogService {
  private cached: { catalog: Catalog; expires: number } | undefined;
  private loading: Promise<Catalog> | undefined;
  /** Bumped by every change made here: a load that began before it must not cache what it read. */
  private generation = 0;

  constructor(
    private readonly store: CatalogStore,
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * The profiles and the switch as they were at `at` (epoch ms), from the versions kept of them:
   * what a decision replayed as of that time uses. Not cached: replays are rare and read history.
   */
  async asOf(at: number): Promise<Catalog> {
    await this.store.ready();
    const [profiles, settings] = await Promise.all([
      this.store.profilesAsOf(at),
      this.store.settingsAsOf(at),
    ]);
    return buildCatalog(profiles, settings);
  }

  async current(): Promise<Catalog> {
    if (this.cached && this.clock() < this.cached.expires) return this.cached.catalog;
    // Concurrent requests share one refresh.
    const loading = (this.loading ??= this.load(this.generation).finally(() => {
      if (this.loading === loading) this.loading = undefined;
    }));
    return loading;
  }

  private async load(generation: number): Promise<Catalog> {
    await this.store.ready();
    const [{ profiles }, settings] = await Promise.all([
      this.store.readProfiles(),
      this.store.readSettings(),
    ]);
    const catalog = buildCatalog(profiles, settings);
    if (generation === this.generation) this.cached = { catalog, expires: this.clock() + this.ttlMs };
    return catalog;
  }

  /** A real round trip to storage, bypassing the cache: for the health check. */
  async probe(): Promise<void> {
    await this.store.ready();
    await this.store.readSettings();
  }

  /** After a change made here: later requests read it at once, never a load that began before it. */
  invalidate(): void {
    this.generation++;
    this.cached = undefined;
    this.loading = undefined;
  }

  async listProfiles(): Promise<Profile[]> {
    return [...(await this.current()).profiles.values()];
  }

  async getProfile(profileId: string): Promise<Profile> {
    const profile = (await this.current()).profiles.get(profileId);
    if (!profile) throw new NotFoundError(`There is no profile "${profileId}".`);
    return profile;
  }

  /**
   * Creates or replaces a profile from a request body: its schema and its shape rules are checked
   * together, so one 400 names every problem.
   */
  async putProfileBody(profileId: string, body: unknown): Promise<{ created: boolean; profile: Profile }> {
    const parsed = profileBodySchema.safeParse(body);
    const problems = parsed.success ? [] : issueDetails(parsed.error.issues);
    const purposes = (body as { purposes?: unknown } | null)?.purposes;
    if (Array.isArray(purposes)) {
      const reported = new Set(problems.map((p) => p.path));
      problems.push(...profileShapeProblems({ purposes }).filter((p) => !reported.has(p.path)));
    }
    const id = (body as { id?: unknown } | null)?.id;
    if (id !== undefined && id !== profileId) {
      problems.push({ path: 'id', message: 'must equal the profile id in the path' });
    }
    if (!parsed.success || problems.length > 0)
      throw new ValidationError('The profile is not valid.', problems);
    return this.putProfile({ ...parsed.data, id: profileId });
  }

  /**
   * Creates or replaces a profile; ids and text message numbers stay unique across profiles even
   * with concurrent writers.
   */
  async putProfile(profile: Profile): Promise<{ created: boolean; profile: Profile }> {
    const shape = [
      ...profileShapeProblems(profile),
      ...smsReplyProblems(profile),
      ...translationProblems(profile),
    ];
    if (shape.length > 0) throw new ValidationError('The profile is not valid.', shape);
    await this.store.ready();
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const read = await this.store.readProfiles();
      const { profiles } = read;
      const taken = [
        ...idsTakenByOthers(profile, profiles),
        ...numbersTakenByOthers(profile, profiles),
        ...dataverseIdsTaken(profile, profiles),
      ];
      if (taken.length > 0) {
        throw new ConflictError(
          'Purpose and topic ids and text message numbers must be unique across profiles.',
          taken,
        );
      }
      const existing = profiles.find((p) => p.id === profile.id);
      // The same profile again is no change: no new version, nothing written.
      if (existing && sameProfile(existing, profile)) return { created: false, profile: existing };
      const versioned = { ...profile, version: (existing?.version ?? 0) + 1 };
      const next = existing
        ? profiles.map((p) => (p.id === profile.id ? versioned : p))
        : [...profiles, versioned];
      try {
        await this.store.writeProfiles(next, read, new Date(this.clock()));
      } catch (error) {
        if (error instanceof WriteConflict) continue;
        throw error;
      }
      this.invalidate();
      return { created: !existing, profile: versioned };
    }
    throw new StorageContentionError();
  }

  async getSettings(): Promise<Settings> {
    return (await this.current()).settings;
  }

  async putSettings(settings: Settings): Promise<Settings> {
    await this.store.ready();
    await this.store.writeSettings(settings, new Date(this.clock()));
    this.invalidate();
    return settings;
  }
}

/** Whether two versions of a profile say the same (their version numbers aside). */
function sameProfile(a: Profile, b: Profile): boolean {
  const { version: _a, ...left } = a;
  const { version: _b, ...right } = b;
  return JSON.stringify(left) === JSON.stringify(right);
}
