/*
 * The people's pages in French, Japanese and Arabic in a real browser (issue 26): usable at 320 px
 * and 1280 px, no axe-core violation, mirrored right to left for Arabic, the language switcher
 * working without JavaScript; and every page in every language under 8 KB of HTML and CSS.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGS } from '../../shared/i18n/languages';
import { axeViolations, keepScreenshot, launchBrowser, scrollsSideways } from '../support/browser';
import { apiClient, uniqueEmail } from '../support/client';

const api = apiClient();
const tag = `${process.pid}${Date.now().toString(36)}`;
const PROFILE = `lgb-${tag}`;
const ids = {
  offers: `lgb-offers-${tag}`,
  news: `lgb-news-${tag}`,
  orders: `lgb-orders-${tag}`,
  track: `lgb-track-${tag}`,
};
let browser: Browser;

const translated = {
  fr: {
    purposes: {
      [ids.offers]: {
        name: 'Offres et nouveautés',
        description: 'Nos soldes et nouvelles collections, deux fois par mois.',
      },
    },
    topics: { [ids.news]: { name: 'Lettre mensuelle' } },
  },
  ja: {
    name: 'ファブリカム・アウトドア',
    purposes: {
      [ids.offers]: { name: 'セールと新商品', description: '月に2回、セールと新商品のお知らせ。' },
    },
    topics: { [ids.news]: { name: '月刊ニュースレター' } },
  },
  ar: {
    name: 'فابريكام للرحلات',
    companyAddress: '١ الشارع الرئيسي، دبي، الإمارات العربية المتحدة',
    purposes: {
      [ids.offers]: {
        name: 'العروض والمنتجات الجديدة',
        description: 'تخفيضاتنا ومجموعاتنا الجديدة مرتين في الشهر.',
      },
    },
    topics: { [ids.news]: { name: 'النشرة الشهرية' } },
  },
};

beforeAll(async () => {
  const others = Object.fromEntries(
    Object.keys(CATALOGS)
      .filter((l) => l !== 'en' && !(l in translated))
      .map((l) => [l, {}]),
  );
  const res = await api.put(`/api/profiles/${PROFILE}`, {
    name: 'Fabrikam Outdoor',
    companyAddress: '1 Main Street, Springfield, OR 97477, United States',
    translations: { ...translated, ...others },
    purposes: [
      {
        id: ids.offers,
        name: 'Offers and product news',
        description: 'Our sales and new collections, twice a month.',
        type: 'commercial',
        enforcement: 'nonRestrictive',
        topics: [{ id: ids.news, name: 'Monthly newsletter' }],
      },
      { id: ids.orders, name: 'Orders and account', type: 'transactional', enforcement: 'nonRestrictive' },
      { id: ids.track, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
    ],
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

async function links(email: string, language?: string) {
  const res = await api.post('/api/links', {
    links: [{ channel: 'email', contactPoint: email, profileId: PROFILE, ...(language ? { language } : {}) }],
  });
  expect(res.status).toBe(200);
  return res.body.links[0] as { unsubscribeUrl: string; preferencesUrl: string };
}

describe('the pages in French, Japanese and Arabic', () => {
  for (const language of ['fr', 'ja', 'ar']) {
    it(`${language}: fits 320 and 1280 px with no axe violation; ${language === 'ar' ? 'mirrored' : 'left to right'}`, async () => {
      const link = await links(uniqueEmail(`lgb-${language}`), language);
      for (const width of [320, 1280]) {
        const context = await browser.newContext({ viewport: { width, height: 900 } });
        const page = await context.newPage();
        await page.goto(link.preferencesUrl);
        expect(await page.getAttribute('html', 'lang')).toBe(language);
        expect(await page.getAttribute('html', 'dir')).toBe(language === 'ar' ? 'rtl' : null);
        expect(await scrollsSideways(page), `${language} ${width} px`).toBe(false);
        expect(await axeViolations(page), `${language} ${width} px`).toEqual([]);
        // The topic is indented toward the end of the line the text starts from.
        const [fieldset, topic] = await Promise.all([
          page.locator('fieldset').first().boundingBox(),
          page.locator('.choice.topic').first().boundingBox(),
        ]);
        if (language === 'ar')
          expect(topic!.x + topic!.width).toBeLessThan(fieldset!.x + fieldset!.width - 20);
        else expect(topic!.x).toBeGreaterThan(fieldset!.x + 20);
        await keepScreenshot(page, `preferences-${language}-${width}`);
        await context.close();
      }
    });
  }

  it('switches language with plain links, JavaScript off', async () => {
    const link = await links(uniqueEmail('lgb-switch'), 'fr');
    const context = await browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 390, height: 844 },
    });
    const page = await context.newPage();
    await page.goto(link.preferencesUrl);
    await page.getByRole('heading', { name: 'Vos préférences' }).waitFor();
    await page.getByRole('navigation', { name: 'Langue' }).getByRole('link', { name: '日本語' }).click();
    await page.getByRole('heading', { name: '配信設定' }).waitFor();
    await page.getByRole('navigation', { name: '言語' }).getByRole('link', { name: 'العربية' }).click();
    await page.getByRole('heading', { name: 'تفضيلاتك' }).waitFor();
    // Saving keeps the language chosen.
    await page.getByRole('button', { name: 'حفظ التفضيلات' }).click();
    await page.getByText('تم حفظ تفضيلاتك').or(page.getByText('لا شيء لتغييره')).first().waitFor();
    await context.close();
  });
});

describe('page weight', () => {
  it('every page in every language is under 8 KB of HTML and CSS', async () => {
    const css = (
      await (
        await fetch(new URL('../assets/pages.css', (await links(uniqueEmail('w'))).preferencesUrl))
      ).text()
    ).length;
    let largest = { bytes: 0, what: '' };
    for (const language of Object.keys(CATALOGS)) {
      const link = await links(uniqueEmail(`w-${language}`), language);
      for (const url of [
        link.preferencesUrl,
        link.unsubscribeUrl,
        link.preferencesUrl.replace(/preferences\/.*/, 'preferences/invalid'),
      ]) {
        const res = await fetch(`${url}${url.includes('?') ? '&' : '?'}lang=${language}`);
        const bytes = Buffer.byteLength(await res.text()) + css;
        expect(bytes, `${language} ${url}`).toBeLessThan(8 * 1024);
        if (bytes > largest.bytes)
          largest = { bytes, what: `${language} ${new URL(url).pathname.split('/')[2]}` };
      }
    }
    console.info(`[pages] largest page with its CSS: ${largest.bytes} bytes (${largest.what})`);
  });
});
