/*
 * The consent center's Activity view in a real browser (issue 27): charts with a table of the
 * same numbers, no axe-core violation; a screenshot kept.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { axeViolations, keepScreenshot, launchBrowser } from '../support/browser';
import { apiClient, uniqueEmail } from '../support/client';

const api = apiClient();
const KEY = inject('functionKey');
const CENTER = `${inject('hostUrl')}/api/consent-center`;
const tag = `av-${process.pid}-${Date.now().toString(36)}`;
let browser: Browser;

beforeAll(async () => {
  const res = await api.put(`/api/profiles/${tag}`, {
    name: `Activity ${tag}`,
    purposes: [
      { id: `${tag}-offers`, name: 'Offers', type: 'commercial', enforcement: 'nonRestrictive' },
      { id: `${tag}-tracking`, name: 'Tracking', type: 'tracking', enforcement: 'nonRestrictive' },
    ],
  });
  expect(res.status).toBe(201);
  const emails = Array.from({ length: 4 }, (_, i) => uniqueEmail(`av${i}`));
  await api.post('/api/consents', {
    records: emails.slice(0, 2).map((contactPoint) => ({
      channel: 'email',
      contactPoint,
      purposeId: `${tag}-offers`,
      value: 'optedOut',
      source: 'form',
    })),
  });
  await api.post('/api/check', {
    messages: emails.map((contactPoint, i) => ({
      messageId: `m${i}`,
      channel: 'email',
      contactPoint,
      profileId: tag,
      purposeId: `${tag}-offers`,
    })),
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

describe('the Activity view', () => {
  it('charts decisions and changes of a profile, with the numbers as tables, accessibly', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${CENTER}#/activity`);
    await page.getByLabel('Function key').fill(KEY);
    await page.getByRole('button', { name: 'Use key' }).click();
    await page.getByRole('link', { name: 'Activity' }).click();
    await page.getByLabel('Profile').selectOption(tag);
    await page.getByRole('button', { name: 'Show' }).click();
    const reasons = page.getByRole('table', { name: 'Why messages were blocked' });
    await reasons.getByText('purpose-opted-out').waitFor();
    await expect(reasons.getByRole('row').nth(1).getByRole('cell').nth(1).textContent()).resolves.toBe('2');
    await expect(page.getByRole('img', { name: /Decisions/ }).count()).resolves.toBe(1);
    await expect(page.getByRole('table', { name: 'Where changes came from' }).getByText('Form')).toBeTruthy();
    expect(errors).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    await keepScreenshot(page, 'consent-center-activity');
    await context.close();
  });
});
