import { randomBytes } from 'node:crypto';
import type { CatalogStore } from '../storage/catalog-store';
import type { LinkKey } from './link-token';

/** The keys links are signed with (the first) and accepted with (all of them). */
export class LinkKeyRing {
  private generated: Promise<LinkKey> | undefined;

  constructor(
    private readonly configured: readonly LinkKey[] | undefined,
    private readonly store: Pick<CatalogStore, 'ready' | 'linkKey'>,
  ) {}

  async signing(): Promise<LinkKey> {
    return (await this.all())[0]!;
  }

  async all(): Promise<readonly LinkKey[]> {
    if (this.configured && this.configured.length > 0) return this.configured;
    // Generated once for the whole deployment and kept in the config table, so every instance and
    // every restart accepts the same links; read once per instance.
    this.generated ??= this.store
      .ready()
      .then(() =>
        this.store.linkKey({
          id: `g${randomBytes(3).toString('hex')}`,
          secret: randomBytes(32).toString('base64url'),
        }),
      )
      .catch((error: unknown) => {
        this.generated = undefined;
        throw error;
      });
    return [await this.generated];
  }
}
