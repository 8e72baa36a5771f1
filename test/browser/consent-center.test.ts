/*
 * The consent center (the admin page) in a real browser: the key prompt, finding a contact point and
 * why a purpose will not send, editing a record as a named actor, the history, paging the list, the
 * profiles, keyboard-only use, storage trouble; no axe-core violation on any view, no sideways scroll
 * at 320 px.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient, qs, uniqueEmail } from '../support/client';
import { projectRoot, startHost, type RunningHost } from '../support/processes';
import { axeViolations, keepScreenshot, launchBrowser, scrollsSideways } from '../support/browser';

const api = apiClient();
const KEY = inject('functionKey');
const CENTER = `${inject('hostUrl')}/api/consent-center`;
const tag = `cc-${process.pid}-${Date.now().toString(36)}`;
const PROFILE = tag;
const PROFILE_NAME = `Consent center test ${tag}`;
const ids = {
  offers: `${tag}-offers`,
  news: `${tag}-news`,
  deals: `${tag}-deals`,
  account: `${tag}-account`,
  listed: `${tag}-listed`,
  tracking: `${tag}-tracking`,
};
let browser: Browser;
const scriptErrors = new WeakMap<Page, string[]>();

beforeAll(async () => {
  const res = await api.put(`/api/profiles/${PROFILE}`, {
    name: PROFILE_NAME,
    companyAddress: '1 Main Street, Springfield',
    purposes: [
      {
        id: ids.offers,
        name: 'Offers',
        type: 'commercial',
        enforcement: 'nonRestrictive',
        topics: [
          { id: ids.news, name: 'Newsletter' },
          { id: ids.deals, name: 'Deals' },
        ],
      },
      {
        id: ids.account,
        name: 'Account',
        type: 'transactional',
        enforcement: {
          email: 'restrictive',
          sms: 'nonRestrictive',
          voice: 'disabled',
          custom: 'restrictive',
        },
      },
      { id: ids.listed, name: 'Listed', type: 'commercial', enforcement: 'nonRestrictive' },
      { id: ids.tracking, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
    ],
  });
  expect(res.status).toBe(201);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

async function newPage(width = 1280): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  scriptErrors.set(page, errors);
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) errors.push(message.text());
  });
  return { context, page };
}

/** Opens the page and gives it the key. */
async function signedIn(width = 1280) {
  const opened = await newPage(width);
  await opened.page.goto(CENTER);
  await opened.page.getByLabel('Function key').fill(KEY);
  await opened.page.getByRole('button', { name: 'Use key' }).click();
  await opened.page.getByRole('heading', { name: 'Find a contact point', level: 1 }).waitFor();
  return opened;
}

async function write(records: object[], actor = 'cc-test-writer') {
  let res = await api.post('/api/consents', { records }, { 'x-consent-actor': actor });
  // A 503 is the API's "retry" (storage busy, e.g. under other tests' load); a sender retries.
  for (let i = 0; i < 3 && res.status === 503; i++) {
    res = await api.post('/api/consents', { records }, { 'x-consent-actor': actor });
  }
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.results as any[];
}

const isFocused = (locator: Locator) =>
  locator.evaluate((el) => el === (el as any).ownerDocument.activeElement);

/** Presses Tab until the locator has the focus (at most `max` times). */
async function tabTo(page: Page, locator: Locator, max = 40) {
  for (let i = 0; i < max && !(await isFocused(locator)); i++) await page.keyboard.press('Tab');
  expect(await isFocused(locator)).toBe(true);
}

async function findContactPoint(page: Page, address: string, channel = 'email') {
  const form = page.locator('form.find');
  await form.getByLabel('Channel').selectOption(channel);
  await form.getByLabel('Address').fill(address);
  await form.getByRole('button', { name: 'Find' }).click();
}

/** Waits until the history of the shown contact point has loaded. */
async function historyLoaded(page: Page) {
  await page
    .getByText(/^(End of history\.|No history yet\.)$/)
    .or(page.getByRole('button', { name: 'Load more history' }))
    .waitFor();
}

/** No axe-core violation and no script error; a screenshot kept. */
async function clean(page: Page, name: string) {
  expect(scriptErrors.get(page) ?? [], name).toEqual([]);
  expect(await axeViolations(page), name).toEqual([]);
  await keepScreenshot(page, `consent-center-${name}`);
}

describe('the consent center key prompt', () => {
  it('loads its modules and style from the app, under 72 KB together (JSDoc types included, no build step)', async () => {
    const sizes: Record<string, number> = {};
    const modules = readdirSync(join(projectRoot, 'shared/web/assets/consent-center')).filter((f) =>
      f.endsWith('.js'),
    );
    for (const name of [...modules.map((m) => `consent-center/${m}`), 'consent-center.css']) {
      const res = await fetch(`${inject('hostUrl')}/api/assets/${name}`);
      expect(res.status).toBe(200);
      sizes[name] = (await res.arrayBuffer()).byteLength;
    }
    const total = Object.values(sizes).reduce((a, b) => a + b, 0);
    console.info(`[consent-center] ${JSON.stringify(sizes)}, ${total} bytes unminified`);
    // Grown with the Activity view (charts drawn by the page): still small for an admin page.
    expect(total).toBeLessThan(72 * 1024);
  });

  it('refuses a wrong key with a message, keeps the right key for the tab only, and forgets it', async () => {
    const { context, page } = await newPage(320);
    await page.goto(CENTER);
    const keyInput = page.getByLabel('Function key');
    await keyInput.waitFor();
    await expect(page.locator('#who').textContent()).resolves.toBe('Not signed in');
    await expect(page.getByRole('link', { name: 'Find' }).isVisible()).resolves.toBe(false);
    expect(await scrollsSideways(page)).toBe(false);
    await clean(page, 'key-prompt');

    await keyInput.fill('not-the-key');
    await page.getByRole('button', { name: 'Use key' }).click();
    await page.getByText('That key was refused (401). Check it and try again.').waitFor();
    await expect(keyInput.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.evaluate(() => (globalThis as any).sessionStorage.length)).resolves.toBe(0);
    await clean(page, 'key-refused');

    await keyInput.fill(KEY);
    await page.getByRole('button', { name: 'Use key' }).click();
    const findHeading = page.getByRole('heading', { name: 'Find a contact point', level: 1 });
    await findHeading.waitFor();
    await expect.poll(() => isFocused(findHeading)).toBe(true);
    await expect(page.getByRole('link', { name: 'Find' }).getAttribute('aria-current')).resolves.toBe('page');
    await expect(page.locator('#who').textContent()).resolves.toContain('Using a function key');
    const storage = await page.evaluate(() => {
      const g = globalThis as any;
      const local: string[] = [];
      for (let i = 0; i < g.localStorage.length; i++)
        local.push(g.localStorage.getItem(g.localStorage.key(i)));
      return { session: g.sessionStorage.getItem('consent-center.key'), local };
    });
    expect(storage.session).toBe(KEY);
    expect(storage.local).toEqual([]);

    // The tab keeps it across a reload; another tab does not have it.
    await page.reload();
    await findHeading.waitFor();
    const other = await context.newPage();
    await other.goto(CENTER);
    await other.getByLabel('Function key').waitFor();
    await other.close();

    // A kept key that stops working asks again, with a clear message.
    await page.evaluate(() => (globalThis as any).sessionStorage.setItem('consent-center.key', 'stale-key'));
    await page.reload();
    await page.getByText('The function key was refused (401). Enter the key again.').waitFor();
    await keyInput.waitFor();
    await clean(page, 'key-stale');

    await keyInput.fill(KEY);
    await page.getByRole('button', { name: 'Use key' }).click();
    await findHeading.waitFor();
    await page.getByRole('link', { name: 'Access' }).click();
    await page.getByRole('button', { name: 'Forget key' }).click();
    await keyInput.waitFor();
    await page.getByText('The key is forgotten.').waitFor();
    await expect(
      page.evaluate(() => (globalThis as any).sessionStorage.getItem('consent-center.key')),
    ).resolves.toBe(null);
    await context.close();
  });

  it('with an App Service sign-in, shows who is signed in and asks for the key only on a 401', async () => {
    const { context, page } = await newPage();
    await page.route(
      (url) => url.pathname === '/.auth/me',
      (route) =>
        route.fulfill({
          contentType: 'application/json',
          body: JSON.stringify([{ user_id: 'admin@contoso.example', provider_name: 'aad' }]),
        }),
    );
    await page.goto(CENTER);
    // The local host wants the key whatever the sign-in: the first call's 401 asks for it.
    await page.getByText('The API did not accept your sign-in (401). Enter the function key.').waitFor();
    await expect(page.locator('#who').textContent()).resolves.toBe('Signed in as admin@contoso.example');
    await clean(page, 'signed-in-key-prompt');
    await page.getByLabel('Function key').fill(KEY);
    await page.getByRole('button', { name: 'Use key' }).click();
    await page.getByRole('heading', { name: 'Find a contact point', level: 1 }).waitFor();
    await findContactPoint(page, uniqueEmail('principal'));
    await page.getByRole('button', { name: 'Add a record' }).click();
    // The principal is the default actor.
    await expect(page.locator('form.editor').getByLabel('Actor').inputValue()).resolves.toBe(
      'admin@contoso.example',
    );
    await context.close();
  });
});

describe('finding a contact point', () => {
  it('shows its records and, per profile, what will send and why not, in words', async () => {
    const email = uniqueEmail('Find.Me');
    await write([
      {
        channel: 'email',
        contactPoint: email,
        purposeId: ids.offers,
        value: 'optedOut',
        reason: 'optOutTooFrequent',
        reasonDescription: 'said so on the phone',
      },
      { channel: 'email', contactPoint: email, purposeId: ids.offers, topicId: ids.news, value: 'optedIn' },
    ]);
    for (const width of [1280, 320]) {
      const { context, page } = await signedIn(width);
      await findContactPoint(page, email.toUpperCase());
      await historyLoaded(page);
      await page.getByText(email.toLowerCase(), { exact: true }).waitFor();

      const records = page.getByRole('region', { name: 'Records of this contact point' });
      const offersRow = records.getByRole('row').filter({ hasText: 'said so on the phone' });
      await expect(offersRow.textContent()).resolves.toMatch(
        /Opted out.*Active.*Internal.*Opt out too frequent/,
      );
      await expect(offersRow.textContent()).resolves.toContain('cc-test-writer');

      const card = page
        .locator('section.card')
        .filter({ has: page.getByRole('heading', { name: `${PROFILE_NAME} (${PROFILE})`, level: 3 }) });
      const summary = await card.locator('.summary').textContent();
      // Offers is opted out, but the profile's other commercial purpose (Listed) still sends.
      expect(summary).toContain('Commercial: Will send');
      expect(summary).toContain('Transactional: Will not send');
      expect(summary).toContain('Tracking: Will track');
      const offers = card
        .locator('li')
        .filter({ has: page.getByText(ids.offers, { exact: true }) })
        .first();
      await expect(offers.textContent()).resolves.toContain('Opted out of this purpose purpose-opted-out');
      const account = card.locator('li').filter({ has: page.getByText(ids.account, { exact: true }) });
      await expect(account.textContent()).resolves.toContain(
        'This purpose needs an opt-in and there is none purpose-opt-in-required',
      );
      // The opted-in topic still does not send: its purpose is opted out.
      const news = card
        .locator('li')
        .filter({ has: page.getByText(ids.news, { exact: true }) })
        .last();
      await expect(news.textContent()).resolves.toContain('consent: Opted in');
      await expect(news.textContent()).resolves.toContain('Will not send');

      expect(await scrollsSideways(page), `${width} px`).toBe(false);
      await clean(page, `find-${width}`);
      await context.close();
    }
  });

  it('says so when the address is not valid', async () => {
    const { context, page } = await signedIn(320);
    await findContactPoint(page, 'not an address');
    await page.getByText('“not an address” is not a valid address for Email.').waitFor();
    await findContactPoint(page, 'not-a-phone', 'sms');
    await page.getByText('“not-a-phone” is not a valid address for SMS.').waitFor();
    await clean(page, 'find-invalid');
    await context.close();
  });

  it('shows "Storage is unavailable, try again" on a 503 and stays usable', async () => {
    const email = uniqueEmail('storage');
    await write([{ channel: 'email', contactPoint: email, purposeId: ids.offers, value: 'optedIn' }]);
    const { context, page } = await signedIn();
    const down = (url: URL) => url.pathname.endsWith('/api/consents');
    await page.route(down, (route) =>
      route.fulfill({
        status: 503,
        headers: { 'retry-after': '5' },
        contentType: 'application/problem+json',
        body: JSON.stringify({
          type: 'urn:consent-service:problem:storage-unavailable',
          title: 'Consent storage is unavailable',
          status: 503,
          detail: 'Try again later.',
        }),
      }),
    );
    await findContactPoint(page, email);
    await page.getByRole('alert').getByText('Storage is unavailable, try again.').waitFor();
    await clean(page, 'storage-unavailable');
    await page.unroute(down);
    await page.locator('form.find').getByRole('button', { name: 'Find' }).click();
    await historyLoaded(page);
    await expect(page.getByText('Storage is unavailable, try again.').count()).resolves.toBe(0);
    await page.getByRole('region', { name: 'Records of this contact point' }).getByText('Opted in').waitFor();
    await context.close();
  });
});

describe('editing a record', () => {
  it('saves value, reason, description and status as the named actor; the history and the API show it', async () => {
    const email = uniqueEmail('edit');
    await write(
      [
        {
          channel: 'email',
          contactPoint: email,
          purposeId: ids.offers,
          topicId: ids.news,
          value: 'optedIn',
          source: 'form',
        },
      ],
      'seed',
    );
    const actor = `Test Admin ${process.pid}`;
    const { page } = await signedIn();
    await findContactPoint(page, email);
    await historyLoaded(page);
    await page.getByRole('button', { name: 'Edit Offers › Newsletter' }).click();
    const editor = page.locator('form.editor');
    await expect
      .poll(() => isFocused(page.getByRole('heading', { name: 'Edit Offers › Newsletter' })))
      .toBe(true);
    await expect(editor.getByLabel('Source').inputValue()).resolves.toBe('form');
    await editor.getByLabel('Actor').fill(actor);
    await editor.getByLabel('Value').selectOption('optedOut');
    await editor.getByLabel('Reason', { exact: true }).selectOption('optOutContentIrrelevant');
    await editor.getByLabel('Reason description (optional)').fill('asked at the counter');
    await editor.getByLabel('Status').selectOption('inactive');
    await clean(page, 'edit-form');
    await editor.getByRole('button', { name: 'Save record' }).click();

    await page
      .getByRole('status')
      .getByText('Outcome: updated. Offers › Newsletter is now Opted out.')
      .waitFor();
    await expect
      .poll(() => isFocused(page.getByRole('heading', { name: 'Records', exact: true })))
      .toBe(true);
    const history = page.getByRole('region', { name: 'History of this contact point' });
    await history.getByText(actor).waitFor();
    const newest = history.getByRole('row').nth(1);
    await expect(newest.textContent()).resolves.toContain('Opted in → Opted out');
    await expect(newest.textContent()).resolves.toContain('status: active → inactive');
    await expect(history.getByRole('row').count()).resolves.toBe(3);
    await clean(page, 'edit-saved');

    const stored = (await api.get(`/api/consents${qs({ channel: 'email', contactPoint: email })}`)).body
      .records;
    expect(stored).toMatchObject([
      {
        purposeId: ids.offers,
        topicId: ids.news,
        value: 'optedOut',
        reason: 'optOutContentIrrelevant',
        reasonDescription: 'asked at the counter',
        status: 'inactive',
        source: 'form',
        modifiedBy: actor,
      },
    ]);
    const entries = (await api.get(`/api/consents/history${qs({ channel: 'email', contactPoint: email })}`))
      .body.entries;
    expect(entries.map((e: any) => [e.actor, e.before?.value, e.after.value])).toEqual([
      [actor, 'optedIn', 'optedOut'],
      ['seed', undefined, 'optedIn'],
    ]);
    await expect(
      page.evaluate(() => (globalThis as any).sessionStorage.getItem('consent-center.actor')),
    ).resolves.toBe(actor);

    // Saving again with nothing changed is "unchanged".
    await page.getByRole('button', { name: 'Edit Offers › Newsletter' }).click();
    await expect(editor.getByLabel('Actor').inputValue()).resolves.toBe(actor);
    await editor.getByRole('button', { name: 'Save record' }).click();
    await page.getByRole('status').getByText('Outcome: unchanged.').waitFor();
    await expect
      .poll(() => isFocused(page.getByRole('heading', { name: 'Records', exact: true })))
      .toBe(true);

    // A record for a purpose or topic that has none yet.
    await page.getByRole('button', { name: 'Add a record' }).click();
    // Other tests' profiles may have an "Offers › Deals" too: this profile's own.
    const deal = editor.locator(`optgroup[label="${PROFILE_NAME}"] option`, { hasText: 'Offers › Deals' });
    await editor.getByLabel('Purpose or topic').selectOption((await deal.getAttribute('value'))!);
    await editor.getByLabel('Value').selectOption('optedIn');
    await editor.getByLabel('Reason', { exact: true }).selectOption('optInEvents');
    await editor.getByRole('button', { name: 'Save record' }).click();
    await page
      .getByRole('status')
      .getByText('Outcome: created. Offers › Deals is recorded as Opted in.')
      .waitFor();
    await page.getByRole('button', { name: 'Edit Offers › Deals' }).waitFor();
    await history.getByRole('row').nth(3).waitFor();
    const deals = (
      await api.get(`/api/consents${qs({ channel: 'email', contactPoint: email })}`)
    ).body.records.find((r: any) => r.topicId === ids.deals);
    expect(deals).toMatchObject({ value: 'optedIn', reason: 'optInEvents', modifiedBy: actor });
    await page.context().close();
  });

  it('shows a refused save by path, at the field it names', async () => {
    const gone = `${tag}-gone`;
    const gonePurpose = `${tag}-gone-purpose`;
    const profile = (topics: object[]) => ({
      name: `Changing ${tag}`,
      purposes: [
        { id: gonePurpose, name: 'Changing', type: 'commercial', enforcement: 'nonRestrictive', topics },
        { id: `${tag}-gone-tracking`, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
      ],
    });
    expect(
      (await api.put(`/api/profiles/${tag}-gone`, profile([{ id: gone, name: 'Soon gone' }]))).status,
    ).toBe(201);
    const { context, page } = await signedIn(320);
    await findContactPoint(page, uniqueEmail('refused'));
    await historyLoaded(page);
    await page.getByRole('button', { name: 'Add a record' }).click();
    const editor = page.locator('form.editor');
    await editor.getByLabel('Actor').fill('Test Admin');
    await editor.getByLabel('Purpose or topic').selectOption({ label: 'Changing › Soon gone' });
    // The topic goes away while the form is open.
    expect((await api.put(`/api/profiles/${tag}-gone`, profile([]))).status).toBe(200);
    await editor.getByRole('button', { name: 'Save record' }).click();
    const target = editor.getByLabel('Purpose or topic');
    await expect.poll(() => target.getAttribute('aria-invalid')).toBe('true');
    await editor.getByText(`there is no topic "${gone}"`).first().waitFor();
    await editor.getByRole('alert').getByText('records[0].topicId').waitFor();
    expect(await isFocused(target)).toBe(true);
    expect(await scrollsSideways(page)).toBe(false);
    await clean(page, 'edit-refused');
    await context.close();
  });
});

describe('an edit based on what the editor showed', () => {
  it('refuses to undo an opt-out made while the editor was open, says so, and opens the record as it is now', async () => {
    const email = uniqueEmail('conflict');
    await write(
      [{ channel: 'email', contactPoint: email, purposeId: ids.offers, value: 'optedIn', source: 'form' }],
      'seed',
    );
    const { context, page } = await signedIn();
    await findContactPoint(page, email);
    await historyLoaded(page);
    await page.getByRole('button', { name: 'Edit Offers', exact: true }).click();
    const editor = page.locator('form.editor');
    await editor.getByLabel('Actor').fill('Test Admin');
    await editor.getByLabel('Reason description (optional)').fill('typo fixed');
    // The person opts out while the editor is open.
    await write(
      [
        {
          channel: 'email',
          contactPoint: email,
          purposeId: ids.offers,
          value: 'optedOut',
          source: 'preferencePage',
        },
      ],
      'preference-page',
    );
    await editor.getByRole('button', { name: 'Save record' }).click();
    await page
      .getByRole('status')
      .getByText(/^Outcome: conflict\. Nothing was written: preference-page changed/)
      .waitFor();
    await editor
      .getByRole('alert')
      .getByText(/It is now Opted out\./)
      .waitFor();
    await expect(editor.getByLabel('Value').inputValue()).resolves.toBe('optedOut');
    const stored = (await api.get(`/api/consents${qs({ channel: 'email', contactPoint: email })}`)).body
      .records;
    expect(stored).toMatchObject([{ value: 'optedOut', modifiedBy: 'preference-page' }]);
    expect(stored[0].reasonDescription).toBeUndefined();
    await clean(page, 'edit-conflict');
    await context.close();
  });
});

describe('the history', () => {
  it('shows the newest changes first and pages back with "Load more history"', async () => {
    const email = uniqueEmail('history');
    for (let i = 0; i < 23; i++) {
      const value = i % 2 ? 'optedOut' : 'optedIn';
      await write([{ channel: 'email', contactPoint: email, purposeId: ids.offers, value }], `writer-${i}`);
    }
    const { context, page } = await signedIn(320);
    await findContactPoint(page, email);
    const more = page.getByRole('button', { name: 'Load more history' });
    await more.waitFor();
    const history = page.getByRole('region', { name: 'History of this contact point' });
    const actors = async () =>
      await history.locator('tbody tr').evaluateAll((rows: any[]) => rows.map((r) => r.cells[4].textContent));
    const firstPage = await actors();
    expect(firstPage).toEqual(Array.from({ length: 20 }, (_, i) => `writer-${22 - i}`));
    await more.focus();
    await page.keyboard.press('Enter');
    const end = page.getByText('End of history.', { exact: true });
    await end.waitFor();
    await expect.poll(() => isFocused(end)).toBe(true);
    expect(await actors()).toEqual(Array.from({ length: 23 }, (_, i) => `writer-${22 - i}`));
    await expect(history.locator('tbody tr').first().textContent()).resolves.toContain(
      'Opted out → Opted in',
    );
    await expect(history.locator('tbody tr').last().textContent()).resolves.toContain('No record → Opted in');
    expect(await scrollsSideways(page)).toBe(false);
    await clean(page, 'history');
    await context.close();
  });
});

describe('browsing the list', () => {
  it('pages with Next and Previous to a clear end, with no record repeated or missing', async () => {
    const emails = Array.from({ length: 7 }, () => uniqueEmail('listed'));
    await write(
      emails.map((contactPoint) => ({
        channel: 'email',
        contactPoint,
        purposeId: ids.listed,
        value: 'optedIn',
      })),
    );
    const expected: string[] = [];
    let token: string | undefined;
    do {
      const res = await api.get(
        `/api/consents/list${qs({ purposeId: ids.listed, limit: 1000, continuationToken: token })}`,
      );
      expected.push(...res.body.records.map((r: any) => r.contactPoint));
      token = res.body.continuationToken;
    } while (token);
    expect([...expected].sort()).toEqual([...emails].sort());

    const { context, page } = await signedIn(320);
    await page.getByRole('link', { name: 'List' }).click();
    const listHeading = page.getByRole('heading', { name: 'Browse records', level: 1 });
    await expect.poll(() => isFocused(listHeading)).toBe(true);
    const filters = page.locator('form.filters');
    await filters.getByLabel('Purpose').selectOption(ids.listed);
    await filters.getByLabel('Page size').fill('2');
    await filters.getByRole('button', { name: 'Show records' }).click();

    const info = page.locator('p.info');
    const end = page.getByText('End of list.', { exact: true });
    const next = page.getByRole('button', { name: 'Next' });
    const previous = page.getByRole('button', { name: 'Previous' });
    const shown = () =>
      page
        .getByRole('region', { name: 'Records found' })
        .getByRole('button')
        .allTextContents()
        .catch(() => []);
    const pageOf = async (n: number) => {
      await expect.poll(() => info.textContent()).toMatch(new RegExp(`^Page ${n}:`));
      return (await page.getByRole('region', { name: 'Records found' }).count()) ? shown() : [];
    };
    const pages: string[][] = [await pageOf(1)];
    await expect(previous.isDisabled()).resolves.toBe(true);
    await clean(page, 'list-320');
    while (!(await end.isVisible())) {
      await next.click();
      pages.push(await pageOf(pages.length + 1));
      expect(pages.length).toBeLessThan(20);
    }
    await expect(next.isDisabled()).resolves.toBe(true);
    expect(pages.flat()).toEqual(expected);
    expect(new Set(pages.flat()).size).toBe(emails.length);
    for (const records of pages) expect(records.length).toBeLessThanOrEqual(2);
    expect(await scrollsSideways(page)).toBe(false);
    await clean(page, 'list-end');

    for (let n = pages.length - 1; n >= 1; n--) {
      await previous.click();
      expect(await pageOf(n)).toEqual(pages[n - 1]);
      await expect(end.isVisible()).resolves.toBe(false);
    }
    await expect(previous.isDisabled()).resolves.toBe(true);

    // A contact point opens in the Find view.
    const first = pages.flat()[0]!;
    await page.getByRole('button', { name: first, exact: true }).click();
    await page.getByRole('heading', { name: 'Find a contact point', level: 1 }).waitFor();
    await page.getByRole('region', { name: 'Records of this contact point' }).getByText(ids.listed).waitFor();
    await expect(page.locator('form.find').getByLabel('Address').inputValue()).resolves.toBe(first);
    await context.close();
  });
});

describe('the profiles view', () => {
  it('shows every profile with its purposes, topics and enforcement per channel', async () => {
    for (const width of [1280, 320]) {
      const { context, page } = await signedIn(width);
      await page.getByRole('link', { name: 'Profiles' }).click();
      const heading = page.getByRole('heading', { name: 'Profiles', level: 1 });
      await expect.poll(() => isFocused(heading)).toBe(true);
      await expect(page.getByRole('link', { name: 'Profiles' }).getAttribute('aria-current')).resolves.toBe(
        'page',
      );
      const region = page.getByRole('region', { name: `Purposes of ${PROFILE_NAME} (${PROFILE})` });
      const cells = async (id: string) =>
        (
          await region.getByRole('row').filter({ hasText: id }).first().getByRole('cell').allTextContents()
        ).map((t) => t.trim());
      expect((await cells(ids.account)).slice(1, 6)).toEqual([
        'transactional',
        'Restrictive',
        'Non restrictive',
        'Disabled',
        'Restrictive',
      ]);
      const offers = await cells(ids.offers);
      expect(offers[6]).toContain('Newsletter');
      expect(offers[6]).toContain(ids.deals);
      await page.getByRole('heading', { name: PROFILE_NAME, level: 2 }).waitFor();
      expect(await scrollsSideways(page), `${width} px`).toBe(false);
      await clean(page, `profiles-${width}`);
      await context.close();
    }
  });
});

describe('keyboard only', () => {
  it('signs in, finds a contact point, edits a record and moves between views without a mouse', async () => {
    const email = uniqueEmail('keys');
    await write([{ channel: 'email', contactPoint: email, purposeId: ids.offers, value: 'optedIn' }]);
    const { context, page } = await newPage(390);
    await page.goto(CENTER);
    await tabTo(page, page.getByLabel('Function key'));
    await page.keyboard.type(KEY);
    await page.keyboard.press('Enter');
    const findHeading = page.getByRole('heading', { name: 'Find a contact point', level: 1 });
    await expect.poll(() => isFocused(findHeading)).toBe(true);

    const address = page.locator('form.find').getByLabel('Address');
    await tabTo(page, address);
    await page.keyboard.type(email);
    await page.keyboard.press('Enter');
    await historyLoaded(page);

    const edit = page.getByRole('button', { name: 'Edit Offers' });
    await tabTo(page, edit);
    // The focus ring is visible.
    const outline = await edit.evaluate(
      (el: any) => el.ownerDocument.defaultView.getComputedStyle(el).outlineStyle,
    );
    expect(outline).not.toBe('none');
    await page.keyboard.press('Enter');
    const editor = page.locator('form.editor');
    await tabTo(page, editor.getByLabel('Actor'));
    await page.keyboard.type('Keyboard Admin');
    await tabTo(page, editor.getByLabel('Value'));
    await page.keyboard.press('ArrowDown');
    await expect(editor.getByLabel('Value').inputValue()).resolves.toBe('optedOut');
    await tabTo(page, editor.getByRole('button', { name: 'Save record' }));
    await page.keyboard.press('Enter');
    await page.getByRole('status').getByText('Outcome: updated. Offers is now Opted out.').waitFor();
    await page
      .getByRole('region', { name: 'History of this contact point' })
      .getByText('Keyboard Admin')
      .waitFor();

    // Back to the nav (Shift+Tab from the focused Records heading) and on to the list.
    const listLink = page.getByRole('link', { name: 'List' });
    for (let i = 0; i < 40 && !(await isFocused(listLink)); i++) await page.keyboard.press('Shift+Tab');
    expect(await isFocused(listLink)).toBe(true);
    await page.keyboard.press('Enter');
    await expect
      .poll(() => isFocused(page.getByRole('heading', { name: 'Browse records', level: 1 })))
      .toBe(true);
    await clean(page, 'keyboard');
    await context.close();
  });
});

describe('under Entra ID, behind App Service authentication', () => {
  let entra: RunningHost;

  beforeAll(async () => {
    entra = await startHost({
      AzureWebJobsStorage: inject('storageConnection'),
      CONSENT_TABLE_PREFIX: 'itest',
      AUTH_MODE: 'entra',
      // Only the platform's principal is used here: the issuer is never asked.
      AUTH_ISSUER: 'http://127.0.0.1:9/tenant/v2.0',
      AUTH_AUDIENCE: 'api://consent-service',
      WEBSITE_AUTH_ENABLED: 'true',
    });
  });
  afterAll(async () => {
    await entra?.stop();
  });

  /** The page as the platform serves it after sign-in: its principal on every request. */
  async function signedInAs(roles: string[]) {
    const opened = await newPage();
    const principal = Buffer.from(
      JSON.stringify({
        auth_typ: 'aad',
        name_typ: 'name',
        role_typ: 'roles',
        claims: [{ typ: 'name', val: 'Rita Reader' }, ...roles.map((val) => ({ typ: 'roles', val }))],
      }),
    ).toString('base64');
    await opened.context.setExtraHTTPHeaders({ 'x-ms-client-principal': principal });
    await opened.page.route(
      (url) => url.pathname === '/.auth/me',
      (route) =>
        route.fulfill({
          contentType: 'application/json',
          body: JSON.stringify([{ user_id: 'rita@contoso.example' }]),
        }),
    );
    await opened.page.goto(`${entra.url}/api/consent-center`);
    return opened;
  }

  it('asks for no key, and a reader sees records and why, with no control to change them', async () => {
    const email = uniqueEmail('reader');
    await write([{ channel: 'email', contactPoint: email, purposeId: ids.offers, value: 'optedOut' }]);
    const { context, page } = await signedInAs(['Consent.Read']);
    await page.getByRole('heading', { name: 'Find a contact point', level: 1 }).waitFor();
    await expect(page.locator('#who').textContent()).resolves.toBe('Signed in as Rita Reader · read only');
    await expect(page.getByLabel('Function key').count()).resolves.toBe(0);
    await findContactPoint(page, email);
    await historyLoaded(page);
    await page
      .getByRole('region', { name: 'Records of this contact point' })
      .getByText('Opted out')
      .waitFor();
    await expect(page.getByRole('button', { name: /^Edit/ }).count()).resolves.toBe(0);
    await expect(page.getByRole('button', { name: 'Add a record' }).count()).resolves.toBe(0);
    await expect(page.locator('main').textContent()).resolves.not.toMatch(/\bfalse\b|undefined/);
    await clean(page, 'entra-reader');
    await context.close();
  });

  it('a writer gets the editor, recorded as the signed-in identity', async () => {
    const email = uniqueEmail('writer');
    const { context, page } = await signedInAs(['Consent.Read', 'Consent.Write']);
    await findContactPoint(page, email);
    await historyLoaded(page);
    await page.getByRole('button', { name: 'Add a record' }).click();
    const editor = page.locator('form.editor');
    await editor.getByLabel('On behalf of (optional)').fill('Jane at the counter');
    const deal = editor.locator(`optgroup[label="${PROFILE_NAME}"] option`, { hasText: 'Offers › Deals' });
    await editor.getByLabel('Purpose or topic').selectOption((await deal.getAttribute('value'))!);
    await editor.getByRole('button', { name: 'Save record' }).click();
    await page.getByRole('status').getByText('Outcome: created.').waitFor();
    const entries = (await api.get(`/api/consents/history${qs({ channel: 'email', contactPoint: email })}`))
      .body.entries;
    expect(entries[0]).toMatchObject({ actor: 'Rita Reader', onBehalfOf: 'Jane at the counter' });
    await context.close();
  });
});
