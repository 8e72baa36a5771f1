/*
 * The people's pages in a real browser (Chromium, driven by playwright-core): readable at 320 px
 * and on a desktop, no axe-core violation, usable with a keyboard and without JavaScript, and they
 * change exactly what the person chose.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, qs, uniqueEmail } from '../support/client';
import { axeViolations, keepScreenshot, launchBrowser, scrollsSideways } from '../support/browser';

const api = apiClient();
const tag = `${process.pid}${Date.now().toString(36)}`;
const PROFILE = `pg-${tag}`;
const ids = {
  offers: `pg-offers-${tag}`,
  news: `pg-news-${tag}`,
  deals: `pg-deals-${tag}`,
  account: `pg-account-${tag}`,
  tracking: `pg-tracking-${tag}`,
};
let browser: Browser;

beforeAll(async () => {
  const res = await api.put(`/api/profiles/${PROFILE}`, {
    name: 'Fabrikam Outdoor',
    companyAddress: '1 Main Street, Springfield, OR 97477, United States',
    purposes: [
      {
        id: ids.offers,
        name: 'Offers and product news',
        type: 'commercial',
        enforcement: 'nonRestrictive',
        topics: [
          { id: ids.news, name: 'Monthly newsletter' },
          {
            id: ids.deals,
            name: 'Deals on tents, packs and everything for a very long weekend in the mountains',
          },
        ],
      },
      { id: ids.account, name: 'Orders and account', type: 'transactional', enforcement: 'nonRestrictive' },
      { id: ids.tracking, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
    ],
  });
  expect(res.status).toBe(201);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

async function linkFor(email: string, extra: Record<string, string> = {}) {
  const res = await api.post('/api/links', {
    links: [{ channel: 'email', contactPoint: email, profileId: PROFILE, ...extra }],
  });
  expect(res.status).toBe(200);
  return res.body.links[0] as { unsubscribeUrl: string; preferencesUrl: string };
}

async function history(email: string) {
  return (await api.get(`/api/consents/history${qs({ channel: 'email', contactPoint: email })}`)).body
    .entries as any[];
}

describe('the preference page in a browser', () => {
  it('fits 320 px and 1280 px without sideways scrolling, with no axe-core violation', async () => {
    const link = await linkFor(uniqueEmail('a.very.long.local.part.that.could.overflow'));
    const weights: string[] = [];
    for (const width of [320, 1280]) {
      const context = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      let bytes = 0;
      page.on('response', async (response) => {
        bytes += (await response.body().catch(() => Buffer.alloc(0))).length;
      });
      await page.goto(link.preferencesUrl);
      await page.waitForLoadState('networkidle');
      expect(await scrollsSideways(page), `${width} px`).toBe(false);
      expect(await axeViolations(page), `${width} px`).toEqual([]);
      await keepScreenshot(page, `preferences-${width}`);
      weights.push(`${width} px: ${bytes} bytes`);
      await context.close();
    }
    console.info(`[pages] preference page weight (HTML + CSS): ${weights.join(', ')}; axe: no violations`);
  });

  it('toggling a choice by its label and saving changes exactly that record', async () => {
    const email = uniqueEmail('label');
    const link = await linkFor(email);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(link.preferencesUrl);
    const newsletter = page.getByRole('checkbox', { name: 'Monthly newsletter' });
    await expect(newsletter.isChecked()).resolves.toBe(true);
    await page.getByText('Monthly newsletter').click();
    await expect(newsletter.isChecked()).resolves.toBe(false);
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await page.getByText('Your preferences are saved.').waitFor();
    await expect(page.getByRole('checkbox', { name: 'Monthly newsletter' }).isChecked()).resolves.toBe(false);
    expect(await axeViolations(page)).toEqual([]);
    await keepScreenshot(page, 'preferences-saved');
    await context.close();
    expect((await history(email)).map((e) => [e.purposeId, e.topicId, e.after.value, e.source])).toEqual([
      [ids.offers, ids.news, 'optedOut', 'preferencePage'],
    ]);
  });

  it('saves with JavaScript turned off, and works from the keyboard alone', async () => {
    const email = uniqueEmail('nojs');
    const link = await linkFor(email);
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(link.preferencesUrl);
    // Tab to the tracking checkbox, untick it with the space bar, then submit with Enter.
    const tracking = page.getByRole('checkbox', { name: /see when you open/ });
    for (
      let i = 0;
      i < 12 && !(await tracking.evaluate((el) => el === (el as any).ownerDocument.activeElement));
      i++
    ) {
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Space');
    await expect(tracking.isChecked()).resolves.toBe(false);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByText('Your preferences are saved.').waitFor();
    await context.close();
    expect((await history(email)).map((e) => [e.purposeId, e.after.value])).toEqual([
      [ids.tracking, 'optedOut'],
    ]);
  });
});

describe('unsubscribe in a browser', () => {
  it('the confirmation page changes nothing; its button unsubscribes; both pages pass axe-core', async () => {
    const email = uniqueEmail('button');
    const link = await linkFor(email, { purposeId: ids.offers, topicId: ids.deals });
    const context = await browser.newContext({ viewport: { width: 320, height: 700 } });
    const page = await context.newPage();
    await page.goto(link.unsubscribeUrl);
    expect(await scrollsSideways(page)).toBe(false);
    expect(await axeViolations(page)).toEqual([]);
    await keepScreenshot(page, 'unsubscribe-confirm');
    expect(await history(email)).toEqual([]);
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await page.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await keepScreenshot(page, 'unsubscribed');
    expect((await history(email)).map((e) => [e.topicId, e.after.value, e.source])).toEqual([
      [ids.deals, 'optedOut', 'listUnsubscribe'],
    ]);
    await page.goto(`${link.unsubscribeUrl}x`);
    await page.getByRole('heading', { name: 'This link is not valid' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await context.close();
  });
});

describe('double opt-in in a browser', () => {
  it('the confirmation page changes nothing; its button, reached and pressed from the keyboard, confirms; both pages pass axe-core', async () => {
    const email = uniqueEmail('confirm');
    const res = await api.post('/api/consents/confirmations', {
      channel: 'email',
      contactPoint: email,
      profileId: PROFILE,
      purposeId: ids.offers,
      topicId: ids.news,
      source: 'form',
      reason: 'optInLandingPage',
    });
    expect(res.status).toBe(202);
    const context = await browser.newContext({ viewport: { width: 320, height: 700 } });
    const page = await context.newPage();
    await page.goto(res.body.confirmUrl);
    expect(await scrollsSideways(page)).toBe(false);
    expect(await axeViolations(page)).toEqual([]);
    await keepScreenshot(page, 'confirm');
    expect(await history(email)).toEqual([]);
    const confirm = page.getByRole('button', { name: 'Confirm' });
    const focused = () => confirm.evaluate((el) => el === (el as any).ownerDocument.activeElement);
    for (let i = 0; i < 10 && !(await focused()); i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Thank you' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await keepScreenshot(page, 'confirmed');
    const entries = await history(email);
    expect(entries.map((e) => [e.topicId, e.after.value, e.source, e.actor])).toEqual([
      [ids.news, 'optedIn', 'form', 'double-opt-in'],
    ]);
    expect(entries[0].after.confirmation.confirmedAt).toBe(entries[0].after.capturedAt);
    await context.close();
  });
});
