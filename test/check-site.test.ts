/**
 * scripts/check-site.mjs, the browser check of the API site, on a small site written here: a
 * link that only the page's script inserts is seen (so the page really ran in chromium) and
 * reported while its target is missing; a page that does not render (no heading, a foreign
 * title) and a landing page without a guide are reported; the complete site passes. Skipped,
 * with a notice, on a machine without chromium (`apt-get install chromium`).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain ES module script without type declarations
import { checkSite, findChromium, GUIDES } from '../scripts/check-site.mjs';

const chromium = (findChromium as () => string | undefined)();
if (!chromium) console.log('check-site.test.ts: no chromium on the PATH, the browser check is skipped');

const page = (title: string, body: string): string => `<!DOCTYPE html><html><head><title>${title}</title></head><body>${body}</body></html>`;

function site(): string {
  const root = mkdtempSync(join(tmpdir(), 'sgd-site-test-'));
  for (const dir of ['documents', 'modules', 'classes']) mkdirSync(join(root, dir));
  const links = [...(GUIDES as string[]).map((g) => `<a href="documents/${g}.html">${g}</a>`), ...['core', 'dsl', 'plugins', 'cli'].map((p) => `<a href="modules/_sgdiff_${p}.html">${p}</a>`)];
  // The navigation of a typedoc site is built by script: this link exists only in the rendered DOM.
  const script = `<script>const a = document.createElement('a'); a.href = 'classes/Built.html'; a.textContent = 'Built'; document.body.appendChild(a);</script>`;
  writeFileSync(join(root, 'index.html'), page('sgdiff', `<h1>sgdiff</h1>${links.join('')}${script}`));
  for (const g of GUIDES as string[]) writeFileSync(join(root, 'documents', `${g}.html`), page(`${g} | sgdiff`, `<h1>${g}</h1><a href="../index.html">home</a>`));
  for (const p of ['core', 'dsl', 'plugins', 'cli']) writeFileSync(join(root, 'modules', `_sgdiff_${p}.html`), page(`@sgdiff/${p} | sgdiff`, `<h1>${p}</h1>`));
  return root;
}

describe.skipIf(!chromium)('check-site.mjs in chromium', () => {
  it('reports a missing page linked by script, a page that does not render and a missing guide; passes the complete site', () => {
    const root = site();
    // Two pages, each loaded by its own chromium process (seconds each on a busy machine).
    const pages = ['index.html', 'documents/cli.html'].map((p) => join(root, p));
    const check = (): string[] => (checkSite as (root: string, chromium: string, pages: string[]) => string[])(root, chromium!, pages);
    expect(check()).toEqual(['index.html: link to a missing page: classes/Built.html']);
    writeFileSync(join(root, 'classes', 'Built.html'), page('Built | sgdiff', '<h1>Built</h1>'));
    expect(check()).toEqual([]);
    writeFileSync(join(root, 'documents', 'cli.html'), page('Not found', '<p>404</p>'));
    writeFileSync(join(root, 'index.html'), page('sgdiff', '<h1>sgdiff</h1><a href="documents/cli.html">cli</a>'));
    const problems = check();
    expect(problems).toContain("documents/cli.html: title 'Not found' does not name sgdiff");
    expect(problems).toContain('documents/cli.html: no heading (h1): the page did not render');
    expect(problems).toContain('index.html: no link to the guide language');
    expect(problems).toContain('index.html: no link to the package @sgdiff/core');
  }, 180_000);
});
