import { odata, type TableClient, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import { DEFAULT_PROFILE } from '../domain/catalog';
import { DEFAULT_SETTINGS, type Profile, type Settings } from '../domain/model';
import { CapacityError, StorageContentionError } from '../errors';
import { WriteConflict } from './write-conflict';
import { asciiJson, fromChunks, toChunks } from './chunks';
import { ensureTable, once, storageCall } from './storage-call';
import { submitTransaction } from './table-transaction';

/** A secret that signs links, with the id tokens name it by (rotation). */
export interface SigningKey {
  id: string;
  secret: string;
}

export interface StoredProfiles {
  profiles: Profile[];
  etag: string;
  /** How many times the profiles were written (0: never since versions were kept). */
  revision: number;
}

/** Profiles and settings: small, rarely written, read through a short cache by the service. */
export interface CatalogStore {
  ready(): Promise<void>;
  readProfiles(): Promise<StoredProfiles>;
  /**
   * Replaces every profile at once, if nobody wrote since `read` was read, and keeps this version
   * of them, in effect from `effectiveAt`, in the same transaction.
   */
  writeProfiles(profiles: Profile[], read: StoredProfiles, effectiveAt: Date): Promise<void>;
  readSettings(): Promise<Settings>;
  /** Replaces the settings and keeps this version of them, in effect from `effectiveAt`, atomically. */
  writeSettings(settings: Settings, effectiveAt: Date): Promise<void>;
  /** The profiles in effect at `at` (epoch ms); none before the first version kept. */
  profilesAsOf(at: number): Promise<Profile[]>;
  /** The settings in effect at `at` (epoch ms): the defaults before the first change. */
  settingsAsOf(at: number): Promise<Settings>;
  /** The link signing key kept here: `generated` is stored unless one already is, and the stored one returned. */
  linkKey(generated: SigningKey): Promise<SigningKey>;
  /** The subject key kept here: `generated` is stored unless one already is, and the stored one returned. */
  subjectKey(generated: string): Promise<string>;
  /**
   * The fingerprint of the subject key the store was first written with (`current` is stored unless
   * one already is): a different key would find none of the stored contact points.
   */
  subjectKeyCheck(current: string): Promise<string>;
}

const PARTITION = 'config';
const PROFILES_ROW = 'profiles';
const SETTINGS_ROW = 'settings';
const LINK_KEY_ROW = 'linkKey';
const SUBJECT_KEY_ROW = 'subjectKey';
const SUBJECT_KEY_CHECK_ROW = 'subjectKeyCheck';
const MAX_PROFILES_CHARS = 400_000;
const MAX_SETTINGS_ATTEMPTS = 10;
/** Versions are kept as `<row>~<countdown>`: newest first, so "the version in effect at T" is one short scan. */
const VERSION_CEILING = 10 ** 12;
const versionRow = (row: string, revision: number) =>
  `${row}~${String(VERSION_CEILING - revision).padStart(12, '0')}`;

/**
 * All profiles live in one entity: one read gives the whole catalog, and one conditional write keeps
 * purpose and topic ids unique across profiles even with concurrent writers. Every write of the
 * profiles or the settings also keeps that version (`profiles~<countdown>`, `settings~<countdown>`,
 * with the time it took effect) in the same transaction, so a decision can be replayed as of a past
 * time with the profiles and switch as they were.
 */
export class TableCatalogStore implements CatalogStore {
  readonly ready = once(() => this.prepare());

  constructor(private readonly table: TableClient) {}

  private async prepare(): Promise<void> {
    await ensureTable(this.table);
    // Seeding is a create: it never duplicates the default profile nor overwrites an edited one.
    const seeded = [{ ...DEFAULT_PROFILE, version: 1 }];
    await storageCall(
      async () => {
        await submitTransaction(this.table, [
          ['create', { ...this.profilesEntity(seeded), revision: 1 }],
          ['create', this.versionEntity(PROFILES_ROW, 1, new Date(), toChunks(asciiJson(seeded), 'p'))],
        ]);
      },
      { 409: () => undefined },
    );
  }

  async readProfiles(): Promise<StoredProfiles> {
    const entity = await storageCall(() =>
      this.table.getEntity<Record<string, unknown>>(PARTITION, PROFILES_ROW),
    );
    return {
      profiles: JSON.parse(fromChunks(entity, 'p')) as Profile[],
      etag: entity.etag,
      revision: typeof entity.revision === 'number' ? entity.revision : 0,
    };
  }

  async writeProfiles(profiles: Profile[], read: StoredProfiles, effectiveAt: Date): Promise<void> {
    const revision = read.revision + 1;
    const current = this.profilesEntity(profiles);
    const { partitionKey: _p, rowKey: _r, ...chunks } = current;
    await this.commitVersion([
      ['update', { ...current, revision }, 'Replace', { etag: read.etag }],
      ['create', this.versionEntity(PROFILES_ROW, revision, effectiveAt, chunks)],
    ]);
  }

  async readSettings(): Promise<Settings> {
    const entity = await this.settingsEntity();
    return entity ? toSettings(entity) : { ...DEFAULT_SETTINGS };
  }

  async writeSettings(settings: Settings, effectiveAt: Date): Promise<void> {
    for (let attempt = 0; attempt < MAX_SETTINGS_ATTEMPTS; attempt++) {
      const entity = await this.settingsEntity();
      const revision = (typeof entity?.revision === 'number' ? entity.revision : 0) + 1;
      const values = { checkContactConsent: settings.checkContactConsent };
      const current = { partitionKey: PARTITION, rowKey: SETTINGS_ROW, ...values, revision };
      try {
        await this.commitVersion([
          entity ? ['update', current, 'Replace', { etag: entity.etag }] : ['create', current],
          ['create', this.versionEntity(SETTINGS_ROW, revision, effectiveAt, values)],
        ]);
        return;
      } catch (error) {
        // Another writer got there first: write over what it wrote, as a blind upsert would.
        if (!(error instanceof WriteConflict)) throw error;
      }
    }
    throw new StorageContentionError();
  }

  async profilesAsOf(at: number): Promise<Profile[]> {
    const entity = await this.versionAt(PROFILES_ROW, at);
    return entity ? (JSON.parse(fromChunks(entity, 'p')) as Profile[]) : [];
  }

  async settingsAsOf(at: number): Promise<Settings> {
    const entity = await this.versionAt(SETTINGS_ROW, at);
    return entity ? toSettings(entity) : { ...DEFAULT_SETTINGS };
  }

  /** The newest kept version of `row` in effect at `at`, if any. */
  private async versionAt(row: string, at: number): Promise<Record<string, unknown> | undefined> {
    const effective = new Date(at).toISOString();
    const filter = odata`PartitionKey eq ${PARTITION} and RowKey gt ${`${row}~`} and RowKey lt ${`${row}~~`} and effectiveAt le ${effective}`;
    return storageCall(async () => {
      for await (const entity of this.table.listEntities<Record<string, unknown>>({
        queryOptions: { filter },
      })) {
        return entity;
      }
      return undefined;
    });
  }

  private settingsEntity(): Promise<TableEntityResult<Record<string, unknown>> | undefined> {
    return storageCall<TableEntityResult<Record<string, unknown>> | undefined>(
      () => this.table.getEntity<Record<string, unknown>>(PARTITION, SETTINGS_ROW),
      { 404: () => undefined },
    );
  }

  /** A write with the version it keeps: a changed row (412) or a version already kept (409) is a conflict. */
  private async commitVersion(actions: TransactionAction[]): Promise<void> {
    const conflict = () => {
      throw new WriteConflict();
    };
    await storageCall(() => submitTransaction(this.table, actions), {
      404: conflict,
      409: conflict,
      412: conflict,
    });
  }

  private versionEntity(row: string, revision: number, effectiveAt: Date, values: Record<string, unknown>) {
    return {
      partitionKey: PARTITION,
      rowKey: versionRow(row, revision),
      effectiveAt: effectiveAt.toISOString(),
      ...values,
    };
  }

  async linkKey(generated: SigningKey): Promise<SigningKey> {
    const entity = await this.keptOnce(LINK_KEY_ROW, { kid: generated.id, secret: generated.secret });
    return { id: String(entity.kid), secret: String(entity.secret) };
  }

  async subjectKey(generated: string): Promise<string> {
    return String((await this.keptOnce(SUBJECT_KEY_ROW, { secret: generated })).secret);
  }

  async subjectKeyCheck(current: string): Promise<string> {
    return String((await this.keptOnce(SUBJECT_KEY_CHECK_ROW, { check: current })).check);
  }

  /** A value kept once for the whole deployment: the first instance to get here decides, every other reads it. */
  private async keptOnce(row: string, values: Record<string, string>): Promise<Record<string, unknown>> {
    await storageCall(
      async () => {
        await this.table.createEntity({ partitionKey: PARTITION, rowKey: row, ...values });
      },
      { 409: () => undefined },
    );
    return storageCall(() => this.table.getEntity<Record<string, unknown>>(PARTITION, row));
  }

  private profilesEntity(profiles: Profile[]) {
    const json = asciiJson(profiles);
    if (json.length > MAX_PROFILES_CHARS)
      throw new CapacityError('The profiles exceed what the store holds.');
    return { partitionKey: PARTITION, rowKey: PROFILES_ROW, ...toChunks(json, 'p') };
  }
}

function toSettings(entity: Record<string, unknown>): Settings {
  return { checkContactConsent: entity.checkContactConsent !== false };
}
