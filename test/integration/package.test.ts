import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { assetFiles, buildPackage, NOTICES, PACKAGE_MAIN } from '../../shared/cli/package-app';
import { apiClient, uniqueEmail } from '../support/client';
import { startIdentityEndpoint } from '../support/identity-endpoint';
import { throwawayTls } from '../support/tls';
import {
  projectRoot,
  startAzurite,
  startHost,
  type RunningAzurite,
  type RunningHost,
} from '../support/processes';

/* What is deployed is what was tested: the zip, unpacked into an empty folder, served against Azurite. */

let work: string;
let app: string;
let entries: string[];
let inputs: string[];
let azurite: RunningAzurite;
let host: RunningHost;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'consent-package-'));
  const built = await buildPackage();
  inputs = built.inputs;
  writeFileSync(join(work, 'consent-service.zip'), built.zip);
  app = join(work, 'app');
  mkdirSync(app);
  const files = unzipSync(readFileSync(join(work, 'consent-service.zip')));
  entries = Object.keys(files).sort();
  for (const [path, data] of Object.entries(files)) {
    mkdirSync(dirname(join(app, path)), { recursive: true });
    writeFileSync(join(app, path), data);
  }
  azurite = await startAzurite({ port: 0 });
  host = await startHost(
    { FUNCTIONS_APP_ROOT: app, AzureWebJobsStorage: azurite.connectionString },
    { cwd: work },
  );
});
afterAll(async () => {
  await host?.stop();
  await azurite?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('the deployment package', () => {
  it('holds host.json, package.json, the bundle, the notices and the assets, nothing else', () => {
    expect(entries).toEqual(
      ['host.json', 'package.json', PACKAGE_MAIN, NOTICES, ...assetFiles(projectRoot)].sort(),
    );
    // The manuals beside the code stay in the repository.
    expect(entries.filter((e) => /\.md$/i.test(e))).toEqual([]);
    expect(readFileSync(join(app, 'host.json'), 'utf8')).toBe(
      readFileSync(join(projectRoot, 'host.json'), 'utf8'),
    );
    const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
    expect(manifest.main).toBe(PACKAGE_MAIN);
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.devDependencies).toBeUndefined();
    expect(manifest.scripts).toBeUndefined();
  });

  it('bundles the functions and their production dependencies only', () => {
    const functions = readdirSync(join(projectRoot, 'functions')).filter((f) => f.endsWith('.ts'));
    for (const file of functions) expect(inputs).toContain(`functions/${file}`);
    expect(inputs.some((i) => i.includes('node_modules/@azure/data-tables/'))).toBe(true);
    expect(
      inputs.filter((i) => /local-host|shared\/cli|azurite|vitest|typescript\/|\.test\.ts/.test(i)),
    ).toEqual([]);
    // The host provides the Functions core API: the bundle asks for it at run time.
    expect(readFileSync(join(app, PACKAGE_MAIN), 'utf8')).toContain('require("@azure/functions-core")');
  });

  it('serves health and the OpenAPI document, the same operations as the project', async () => {
    expect(host.logs).toEqual(
      expect.arrayContaining([expect.stringContaining(`Serving the function app in ${app}`)]),
    );
    const packaged = apiClient(host.url, null);
    expect((await packaged.get('/api/health')).body).toEqual({ status: 'ok', storage: 'ok' });
    const project = apiClient(inject('hostUrl'), null);
    const ours = (await packaged.get('/api/openapi.json')).body;
    expect(Object.keys(ours.paths).sort()).toEqual(
      Object.keys((await project.get('/api/openapi.json')).body.paths).sort(),
    );
  });

  it('writes consent and decides a check correctly', async () => {
    const api = apiClient(host.url, null);
    const out = uniqueEmail('pkg-out');
    const other = uniqueEmail('pkg-other');
    const written = await api.post('/api/consents', {
      channel: 'email',
      contactPoint: out,
      purposeId: 'commercial',
      value: 'optedOut',
    });
    expect(written.body.results[0].outcome).toBe('created');
    const message = (id: string, contactPoint: string) => ({
      messageId: id,
      channel: 'email',
      contactPoint,
      profileId: 'default',
      purposeId: 'commercial',
    });
    const res = await api.post('/api/check', { messages: [message('m1', out), message('m2', other)] });
    expect(res.status).toBe(200);
    expect(res.body.decisions).toEqual([
      expect.objectContaining({ messageId: 'm1', decision: 'blocked', reasons: ['purpose-opted-out'] }),
      expect.objectContaining({ messageId: 'm2', decision: 'sent' }),
    ]);
  });
});

describe('the deployment package with a managed identity', () => {
  it('gets its tokens and serves checks: the bundled @azure/identity works', async () => {
    const tls = await throwawayTls(work);
    const secured = await startAzurite({ port: 0, cert: tls.cert, key: tls.key, oauth: 'basic' });
    const identity = await startIdentityEndpoint();
    const packaged = await startHost(
      {
        FUNCTIONS_APP_ROOT: app,
        AzureWebJobsStorage__tableServiceUri: secured.tableEndpoint,
        AzureWebJobsStorage__credential: 'managedidentity',
        ...identity.env,
        NODE_EXTRA_CA_CERTS: tls.ca,
      },
      { cwd: work },
    );
    try {
      const api = apiClient(packaged.url, null);
      expect((await api.get('/api/health')).body).toEqual({ status: 'ok', storage: 'ok' });
      const email = uniqueEmail('pkg-identity');
      await api.post('/api/consents', {
        channel: 'email',
        contactPoint: email,
        purposeId: 'commercial',
        value: 'optedOut',
      });
      const res = await api.post('/api/check', {
        messages: [
          {
            messageId: 'm1',
            channel: 'email',
            contactPoint: email,
            profileId: 'default',
            purposeId: 'commercial',
          },
        ],
      });
      expect(res.body.decisions[0]).toMatchObject({ decision: 'blocked', reasons: ['purpose-opted-out'] });
      expect(identity.requests.length).toBeGreaterThan(0);
    } finally {
      await packaged.stop();
      await identity.stop();
      await secured.stop();
    }
  });
});

describe('assets', () => {
  it('ships every non-code file under shared/ at its own path, never tests or sources', () => {
    const root = mkdtempSync(join(tmpdir(), 'consent-assets-'));
    try {
      const files = [
        'shared/centers/assets/page.css',
        'shared/centers/assets/page.js',
        'shared/centers/assets/index.html',
        'shared/centers/page.ts',
        'shared/centers/page.test.ts',
        'shared/centers/page.spec.js',
        'shared/centers/__fixtures__/sample.html',
        'shared/centers/assets/page.js.map',
      ];
      for (const file of files) {
        mkdirSync(dirname(join(root, file)), { recursive: true });
        writeFileSync(join(root, file), 'x');
      }
      expect(assetFiles(root)).toEqual([
        'shared/centers/assets/index.html',
        'shared/centers/assets/page.css',
        'shared/centers/assets/page.js',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
