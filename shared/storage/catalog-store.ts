import type { TableClient, TableEntityResult } from '@azure/data-tables';
import { DEFAULT_PROFILE } from '../domain/catalog';
import { DEFAULT_SETTINGS, type Profile, type Settings } from '../domain/model';
import { CapacityError } from '../errors';
import type { LinkKey } from '../links/link-token';
import { WriteConflict } from './consent-store';
import { asciiJson, ensureTable, fromChunks, once, storageCall, toChunks } from './tables';

export interface StoredProfiles {
  profiles: Profile[];
  etag: string;
}

/** Profiles and settings: small, rarely written, read through a short cache by the service. */
export interface CatalogStore {
  ready(): Promise<void>;
  readProfiles(): Promise<StoredProfiles>;
  /** Replaces every profile at once, if nobody wrote since `etag` was read. */
  writeProfiles(profiles: Profile[], etag: string): Promise<void>;
  readSettings(): Promise<Settings>;
  writeSettings(settings: Settings): Promise<void>;
  /** The link signing key kept here: `generated` is stored unless one already is, and the stored one returned. */
  linkKey(generated: LinkKey): Promise<LinkKey>;
}

const PARTITION = 'config';
const PROFILES_ROW = 'profiles';
const SETTINGS_ROW = 'settings';
const LINK_KEY_ROW = 'linkKey';
const MAX_PROFILES_CHARS = 400_000;

/**
 * All profiles live in one entity: one read gives the whole catalog, and one conditional write keeps
 * purpose and topic ids unique across profiles even with concurrent writers.
 */
export class TableCatalogStore implements CatalogStore {
  readonly ready = once(() => this.prepare());

  constructor(private readonly table: TableClient) {}

  private async prepare(): Promise<void> {
    await ensureTable(this.table);
    // Seeding is a create: it never duplicates the default profile nor overwrites an edited one.
    await storageCall(
      async () => {
        await this.table.createEntity(this.profilesEntity([DEFAULT_PROFILE]));
      },
      { 409: () => undefined },
    );
  }

  async readProfiles(): Promise<StoredProfiles> {
    const entity = await storageCall(() =>
      this.table.getEntity<Record<string, unknown>>(PARTITION, PROFILES_ROW),
    );
    return { profiles: JSON.parse(fromChunks(entity, 'p')) as Profile[], etag: entity.etag };
  }

  async writeProfiles(profiles: Profile[], etag: string): Promise<void> {
    await storageCall(
      async () => {
        await this.table.updateEntity(this.profilesEntity(profiles), 'Replace', { etag });
      },
      {
        412: () => {
          throw new WriteConflict();
        },
      },
    );
  }

  async readSettings(): Promise<Settings> {
    const entity = await storageCall<TableEntityResult<Record<string, unknown>> | undefined>(
      () => this.table.getEntity<Record<string, unknown>>(PARTITION, SETTINGS_ROW),
      { 404: () => undefined },
    );
    if (!entity) return { ...DEFAULT_SETTINGS };
    return { checkContactConsent: entity.checkContactConsent !== false };
  }

  async writeSettings(settings: Settings): Promise<void> {
    await storageCall(() =>
      this.table.upsertEntity(
        { partitionKey: PARTITION, rowKey: SETTINGS_ROW, checkContactConsent: settings.checkContactConsent },
        'Replace',
      ),
    );
  }

  async linkKey(generated: LinkKey): Promise<LinkKey> {
    // A create: the first instance to get here decides, every other one reads what it stored.
    await storageCall(
      async () => {
        await this.table.createEntity({
          partitionKey: PARTITION,
          rowKey: LINK_KEY_ROW,
          kid: generated.id,
          secret: generated.secret,
        });
      },
      { 409: () => undefined },
    );
    const entity = await storageCall(() =>
      this.table.getEntity<Record<string, unknown>>(PARTITION, LINK_KEY_ROW),
    );
    return { id: String(entity.kid), secret: String(entity.secret) };
  }

  private profilesEntity(profiles: Profile[]) {
    const json = asciiJson(profiles);
    if (json.length > MAX_PROFILES_CHARS)
      throw new CapacityError('The profiles exceed what the store holds.');
    return { partitionKey: PARTITION, rowKey: PROFILES_ROW, ...toChunks(json, 'p') };
  }
}
