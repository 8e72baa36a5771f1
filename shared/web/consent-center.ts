import { html } from './html';

/**
 * The admin page's shell: no data, no inline script. `assets/consent-center/main.js` (a module) asks for
 * the function key (kept for the tab only) unless App Service authentication supplies a principal,
 * and builds every view from the API's answers.
 */
export function consentCenterPage(): string {
  return `<!doctype html>\n${
    html`<html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>Consent center</title>
        <link rel="stylesheet" href="assets/consent-center.css" />
        <script type="module" src="assets/consent-center/main.js"></script>
      </head>
      <body>
        <header class="top">
          <p class="brand">Consent center</p>
          <p id="who" class="who" aria-live="polite"></p>
        </header>
        <main id="app" tabindex="-1">
          <noscript><p>The consent center needs JavaScript. The API itself works without it.</p></noscript>
          <p>Loading…</p>
        </main>
      </body>
    </html>`.text
  }`;
}
