import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import axe from 'axe-core';
import { chromium, type Browser, type Page } from 'playwright-core';
import { inject } from 'vitest';
import { projectRoot } from './processes';

declare module 'vitest' {
  export interface ProvidedContext {
    chromiumPath: string;
    chromiumArgs: string[];
  }
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: inject('chromiumPath'), args: inject('chromiumArgs') });
}

/** axe-core's violations on the page as it is now (WCAG 2.x A and AA, and best practices). */
export async function axeViolations(
  page: Page,
): Promise<Array<{ id: string; impact: string; nodes: string[] }>> {
  await page.evaluate(axe.source);
  // Runs in the page (no DOM types here): `globalThis` is the page's window.
  const result: axe.AxeResults = await page.evaluate(() =>
    (globalThis as any).axe.run((globalThis as any).document, {
      runOnly: {
        type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
      },
    }),
  );
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact ?? '',
    nodes: v.nodes.map((n) => n.target.join(' ')),
  }));
}

/** Whether the page scrolls sideways at its current width. */
export function scrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const root = (globalThis as any).document.documentElement;
    return root.scrollWidth > root.clientWidth;
  });
}

/**
 * Screenshots go to test/artifacts (git-ignored), for a person to look at: the whole page, or with
 * `viewport` only what the window shows (for pages that grow with the test data).
 */
export async function keepScreenshot(page: Page, name: string, { viewport = false } = {}): Promise<void> {
  const folder = join(projectRoot, 'test', 'artifacts');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, `${name}.png`), await page.screenshot({ fullPage: !viewport }));
}
