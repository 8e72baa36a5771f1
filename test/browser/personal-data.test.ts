/*
 * The consent center's personal data panel in a real browser (issue 23): export as a JSON download,
 * erase after typing the address again, the erased address shown with when and by whom; offered
 * only to roles that allow it. No axe-core violation; screenshots kept.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { axeViolations, keepScreenshot, launchBrowser } from '../support/browser';
import { apiClient, qs, uniqueEmail } from '../support/client';
import { startHost, type RunningHost } from '../support/processes';

const api = apiClient();
const KEY = inject('functionKey');
const CENTER = `${inject('hostUrl')}/api/consent-center`;
const tag = `pd-${process.pid}-${Date.now().toString(36)}`;
const ids = { offers: `${tag}-offers`, tracking: `${tag}-tracking` };
let browser: Browser;

beforeAll(async () => {
  const res = await api.put(`/api/profiles/${tag}`, {
    name: `Privacy ${tag}`,
    purposes: [
      { id: ids.offers, name: 'Offers', type: 'commercial', enforcement: 'nonRestrictive' },
      { id: ids.tracking, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
    ],
  });
  expect(res.status).toBe(201);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

async function find(page: Page, address: string) {
  const form = page.locator('form.find');
  await form.getByLabel('Address').fill(address);
  await form.getByRole('button', { name: 'Find' }).click();
  await page.getByText(/^(End of history\.|No history yet\.)$/).waitFor();
}

async function clean(page: Page, errors: string[], name: string) {
  expect(errors, name).toEqual([]);
  expect(await axeViolations(page), name).toEqual([]);
  // The erased view lists every profile the suite created: the window's worth tells the story.
  await keepScreenshot(page, `consent-center-${name}`, { viewport: true });
}

describe('the personal data panel', () => {
  it('exports everything held as JSON, and erases only after the address is typed again', async () => {
    const email = uniqueEmail('panel');
    const written = await api.post(
      '/api/consents',
      {
        records: [
          { channel: 'email', contactPoint: email, purposeId: ids.offers, value: 'optedIn' },
          { channel: 'email', contactPoint: email, purposeId: ids.tracking, value: 'optedIn' },
        ],
      },
      { 'x-consent-actor': 'pd-writer' },
    );
    expect(written.status).toBe(200);
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(CENTER);
    await page.getByLabel('Function key').fill(KEY);
    await page.getByRole('button', { name: 'Use key' }).click();
    await find(page, email);

    const panel = page.getByRole('region', { name: 'Personal data', exact: true });
    await panel.getByLabel('Your name').fill('Dana DPO');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      panel.getByRole('button', { name: 'Export (JSON)' }).click(),
    ]);
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8'));
    expect(exported.contactPoints[0]).toMatchObject({ contactPoint: email, erased: false });
    expect(exported.contactPoints[0].records).toHaveLength(2);
    expect(exported.contactPoints[0].history).toHaveLength(2);

    await panel.getByRole('button', { name: 'Erase this contact point…' }).click();
    const confirm = panel.getByLabel('Type the address to confirm');
    await expect(confirm.evaluate((el) => el === (el as any).ownerDocument.activeElement)).resolves.toBe(
      true,
    );
    await confirm.fill('someone.else@example.com');
    await panel.getByLabel('Reference (optional)').fill(`DSR ${tag}`);
    await panel.getByRole('button', { name: 'Erase permanently' }).click();
    await panel.getByText('Type the address exactly as shown.').waitFor();
    expect(
      (await api.get(`/api/consents${qs({ channel: 'email', contactPoint: email })}`)).body.records,
    ).toHaveLength(2);
    await clean(page, errors, 'erase-confirm');

    await confirm.fill(email.toUpperCase());

    await panel.getByRole('button', { name: 'Erase permanently' }).click();
    await page.getByRole('status').getByText(`Erased ${email}.`).waitFor();
    await page.getByText(/^Erased on /).waitFor();
    await page.getByText('No records yet.').waitFor();
    await page.getByText('The person had this address erased and has not opted in again').first().waitFor();
    const read = (await api.get(`/api/consents${qs({ channel: 'email', contactPoint: email })}`)).body;
    expect(read).toMatchObject({ records: [], erased: true });
    await page.getByText(/^Erased on .* by Dana DPO\./).waitFor();
    const audit = (await api.get(`/api/subjects/audit${qs({ limit: 1000 })}`)).body.entries;
    expect(audit.filter((e: any) => e.reason === `DSR ${tag}`)).toEqual([
      expect.objectContaining({ type: 'erasure', actor: 'Dana DPO' }),
    ]);
    expect(audit.filter((e: any) => e.type === 'export' && e.actor === 'Dana DPO').length).toBeGreaterThan(0);
    await clean(page, errors, 'erased');
    await context.close();
  });

  describe('under Entra ID, behind App Service authentication', () => {
    let entra: RunningHost;
    beforeAll(async () => {
      entra = await startHost({
        AzureWebJobsStorage: inject('storageConnection'),
        CONSENT_TABLE_PREFIX: 'itest',
        AUTH_MODE: 'entra',
        AUTH_ISSUER: 'http://127.0.0.1:9/tenant/v2.0',
        AUTH_AUDIENCE: 'api://consent-service',
        WEBSITE_AUTH_ENABLED: 'true',
      });
    });
    afterAll(async () => {
      await entra?.stop();
    });

    for (const [roles, erase] of [
      [['Consent.Read'], false],
      [['Consent.Read', `Subjects.Erase:${tag}`], false],
      [['Consent.Read', 'Subjects.Erase'], true],
    ] as const) {
      it(`${roles.join(' + ')}: export${erase ? ' and erase' : ', no erase'}`, async () => {
        const email = uniqueEmail('pd-roles');
        await api.post('/api/consents', {
          channel: 'email',
          contactPoint: email,
          purposeId: ids.offers,
          value: 'optedIn',
        });
        const context = await browser.newContext();
        const principal = Buffer.from(
          JSON.stringify({
            auth_typ: 'aad',
            name_typ: 'name',
            role_typ: 'roles',
            claims: [{ typ: 'name', val: 'Dana DPO' }, ...roles.map((val) => ({ typ: 'roles', val }))],
          }),
        ).toString('base64');
        await context.setExtraHTTPHeaders({ 'x-ms-client-principal': principal });
        const page = await context.newPage();
        await page.route(
          (url) => url.pathname === '/.auth/me',
          (route) =>
            route.fulfill({
              contentType: 'application/json',
              body: JSON.stringify([{ user_id: 'dana@contoso.example' }]),
            }),
        );
        await page.goto(`${entra.url}/api/consent-center`);
        await page.getByRole('heading', { name: 'Find a contact point', level: 1 }).waitFor();
        await find(page, email);
        const panel = page.getByRole('region', { name: 'Personal data', exact: true });
        await expect(panel.getByRole('button', { name: 'Export (JSON)' }).count()).resolves.toBe(1);
        await expect(panel.getByRole('button', { name: 'Erase this contact point…' }).count()).resolves.toBe(
          erase ? 1 : 0,
        );
        await context.close();
      });
    }
  });
});
