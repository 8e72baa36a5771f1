import { randomBytes } from 'node:crypto';
import { getConfig, type Config } from './config';
import { DataverseService } from './dataverse/dataverse-service';
import { contactPointParser, type ContactPointParser } from './domain/contact-point';
import { ChangeFeedService } from './feed/change-feed';
import { FeedAnnouncer } from './feed/commit-announcer';
import { TableFeedMarkers } from './feed/feed-markers';
import { ConfirmationService } from './links/confirmations';
import { LinkKeyRing } from './links/link-keys';
import { LinkService } from './links/link-service';
import { CatalogService } from './services/catalog-service';
import { CenterService } from './services/center-service';
import { CheckService } from './services/check-service';
import { ConsentListService } from './services/consent-list';
import { ConsentService } from './services/consent-service';
import { SmsService } from './sms/sms-service';
import { SuppressionService } from './deliverability/suppression-service';
import { profileOf } from './services/profile-scope';
import { StatsService } from './stats/stats-service';
import { metricsOn } from './telemetry/consent-metrics';
import { initTelemetry } from './telemetry/telemetry-setup';
import { StatsStore } from './stats/stats-store';
import { eventGridTarget } from './webhooks/event-grid-target';
import { WebhookRelay } from './webhooks/webhook-relay';
import { WebhookService } from './webhooks/webhook-service';
import { WebhookStore } from './webhooks/webhook-store';
import { TableAuditStore } from './subjects/audit-store';
import { SubjectService } from './subjects/subject-service';
import { TableCatalogStore } from './storage/catalog-store';
import { createTableClient, tableName } from './storage/table-client';
import { TableConsentStore } from './storage/table-consent-store';
import { once } from './storage/storage-call';
import { subjectKeyFingerprint, subjectKeyLoaded, useSubjectKey } from './storage/subject-key';
import { MisconfiguredError } from './errors';
import { Limiter } from './utils/limiter';

/** Every service of the app, wired once per process: the composition root. */
export interface Services {
  config: Config;
  /** Reads and normalizes contact points (the configured default phone region). */
  parser: ContactPointParser;
  catalog: CatalogService;
  consents: ConsentService;
  checks: CheckService;
  centers: CenterService;
  sms: SmsService;
  /** Undefined when the change feed is turned off (`CHANGE_FEED_DAYS=0`). */
  feed: ChangeFeedService | undefined;
  links: LinkService;
  confirmations: ConfirmationService;
  list: ConsentListService;
  dataverse: DataverseService;
  subjects: SubjectService;
  suppressions: SuppressionService;
  webhooks: WebhookService;
  /** Undefined when the change feed is off: the relay follows it. */
  relay: WebhookRelay | undefined;
  stats: StatsService;
}

/** Instance clocks are assumed to agree within this much (Azure keeps them far closer). */
const ASSUMED_CLOCK_SKEW_MS = 500;

export function createServices(config: Config): Services {
  // Before any instrument is made: the metrics API has no proxy.
  metricsOn.enabled = initTelemetry(config).mode !== 'none';
  // This process, as leases and stored counters name it.
  const INSTANCE_ID = `${config.WEBSITE_INSTANCE_ID?.slice(0, 16) ?? 'local'}-${randomBytes(4).toString('hex')}`;
  const catalogStore = new TableCatalogStore(createTableClient(config, tableName(config, 'Config')));
  const clock = () => Date.now() + config.LOCAL_CLOCK_OFFSET_MS;
  const dateClock = () => new Date(clock());
  const parser = contactPointParser(config.DEFAULT_PHONE_REGION);
  const catalog = new CatalogService(catalogStore, config.PROFILE_CACHE_SECONDS * 1000, clock);
  const limiter = new Limiter(config.STORAGE_MAX_IN_FLIGHT);
  const settleMs = config.CHANGE_FEED_SETTLE_SECONDS * 1000;
  const markers =
    config.CHANGE_FEED_DAYS > 0
      ? new TableFeedMarkers(
          createTableClient(config, tableName(config, 'Feed')),
          config.CHANGE_FEED_SHARDS,
          limiter,
        )
      : undefined;
  const announcer =
    markers &&
    new FeedAnnouncer(markers, {
      // settle >= budget + 2 x skew: a marker can never appear behind a reader's cursor.
      markerBudgetMs: settleMs - 2 * ASSUMED_CLOCK_SKEW_MS,
      commitDeadlineMs: config.CHANGE_FEED_COMMIT_DEADLINE_SECONDS * 1000,
      clock,
    });
  // Every key of a person is derived with the subject key: configured, or generated once and kept.
  // A store answers only under the key it was first written with (else it would find no one).
  const subjectKey = once(async () => {
    if (subjectKeyLoaded()) return;
    await catalogStore.ready();
    const key = config.SUBJECT_KEY ?? (await catalogStore.subjectKey(randomBytes(32).toString('base64url')));
    const fingerprint = subjectKeyFingerprint(key);
    if ((await catalogStore.subjectKeyCheck(fingerprint)) !== fingerprint) {
      throw new MisconfiguredError(
        'SUBJECT_KEY is not the key this store was written with: the service answers 503 until it is.',
      );
    }
    useSubjectKey(key);
  });
  const store = new TableConsentStore(
    createTableClient(config, tableName(config, 'Consents')),
    limiter,
    announcer,
    subjectKey,
  );
  const consents = new ConsentService(store, catalog, {
    parser,
    concurrency: config.STORAGE_CONCURRENCY,
    clock: dateClock,
  });
  const links = new LinkService(
    catalog,
    new LinkKeyRing(config.LINK_SIGNING_KEYS, catalogStore),
    consents,
    parser,
    clock,
  );
  const list = new ConsentListService(store, catalog);
  const stats = new StatsService(
    new StatsStore(createTableClient(config, tableName(config, 'Stats'))),
    INSTANCE_ID,
    clock,
    config.STATS_FLUSH_SECONDS * 1000,
  );
  const checks = new CheckService(consents, catalog, parser, links, stats.counters);
  consents.observe(stats.counters);
  const feed =
    markers &&
    new ChangeFeedService(markers, store, {
      settleMs,
      retentionMs: config.CHANGE_FEED_DAYS * 86_400_000,
      concurrency: config.STORAGE_CONCURRENCY,
      clock,
    });
  const webhookStore = new WebhookStore(createTableClient(config, tableName(config, 'Webhooks')));
  const relay =
    feed &&
    new WebhookRelay(webhookStore, feed, {
      instanceId: INSTANCE_ID,
      clock,
      retryMs: config.WEBHOOK_RETRY_SECONDS * 1000,
      leaseMs: Math.max(config.WEBHOOK_LEASE_SECONDS, 2 * config.WEBHOOK_TIMEOUT_SECONDS) * 1000,
      ready: () => store.ready(),
      source:
        config.PUBLIC_BASE_URL ??
        (config.WEBSITE_HOSTNAME ? `https://${config.WEBSITE_HOSTNAME}` : 'consent-service'),
      profileOf: async (change) =>
        'type' in change ? undefined : profileOf(await catalog.current(), change.purposeId, change.topicId),
    });
  return {
    config,
    parser,
    catalog,
    consents,
    checks,
    centers: new CenterService(consents, catalog, checks, parser),
    links,
    confirmations: new ConfirmationService(catalog, links, consents, parser, config.CONFIRMATION_DAYS),
    list,
    dataverse: new DataverseService(catalog, consents, list, store, parser),
    sms: new SmsService(consents, catalog, {
      parser,
      concurrency: config.STORAGE_CONCURRENCY,
      clock: dateClock,
    }),
    suppressions: new SuppressionService(store, parser, {
      concurrency: config.STORAGE_CONCURRENCY,
      clock: dateClock,
    }),
    subjects: new SubjectService(
      store,
      new TableAuditStore(createTableClient(config, tableName(config, 'Audit'))),
      catalog,
      { parser, concurrency: config.STORAGE_CONCURRENCY, clock: dateClock },
    ),
    feed,
    relay,
    stats,
    webhooks: new WebhookService(webhookStore, relay, {
      allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
      timeoutMs: config.WEBHOOK_TIMEOUT_SECONDS * 1000,
      clock,
      eventGrid: eventGridTarget(config),
    }),
  };
}

let services: Services | undefined;

/** The process-wide services, built on first use from the configuration read once. */
export function getServices(): Services {
  services ??= createServices(getConfig());
  return services;
}
