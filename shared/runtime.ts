import { Limiter } from './concurrency';
import { getConfig, type Config } from './config';
import { CatalogService } from './services/catalog-service';
import { CenterService } from './services/center-service';
import { CheckService } from './services/check-service';
import { ConsentService } from './services/consent-service';
import { TableCatalogStore } from './storage/catalog-store';
import { TableConsentStore } from './storage/consent-store';
import { createTableClient, tableName } from './storage/tables';

export interface Services {
  config: Config;
  catalog: CatalogService;
  consents: ConsentService;
  checks: CheckService;
  centers: CenterService;
}

export function createServices(config: Config): Services {
  const catalog = new CatalogService(
    new TableCatalogStore(createTableClient(config, tableName(config, 'Config'))),
    config.PROFILE_CACHE_SECONDS * 1000,
  );
  const consents = new ConsentService(
    new TableConsentStore(
      createTableClient(config, tableName(config, 'Consents')),
      new Limiter(config.STORAGE_MAX_IN_FLIGHT),
    ),
    catalog,
    { defaultRegion: config.DEFAULT_PHONE_REGION, concurrency: config.STORAGE_CONCURRENCY },
  );
  const checks = new CheckService(consents, catalog, config.DEFAULT_PHONE_REGION);
  return {
    config,
    catalog,
    consents,
    checks,
    centers: new CenterService(consents, catalog, checks, config.DEFAULT_PHONE_REGION),
  };
}

let services: Services | undefined;

/** The process-wide services, built on first use from the configuration read once. */
export function getServices(): Services {
  services ??= createServices(getConfig());
  return services;
}
