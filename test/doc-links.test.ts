/**
 * The link checker `pnpm test` runs over the built API site (scripts/check-doc-links.mjs), on a
 * small site made here: it finds a missing page, a missing anchor and nothing else.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain Node script without type declarations
import { brokenLinks } from '../scripts/check-doc-links.mjs';

describe('the documentation link checker', () => {
  it('reports missing pages and anchors, accepts existing ones and external links', () => {
    const root = mkdtempSync(join(tmpdir(), 'sgd-site-'));
    mkdirSync(join(root, 'documents'));
    writeFileSync(
      join(root, 'index.html'),
      '<a href="documents/cli.html#exit-codes">ok</a> <a href="documents/cli.html#nowhere">bad anchor</a> <a href="documents/missing.html">missing</a> <img src="media/plot.svg"> <a href="https://typedoc.org/">external</a> <a href="#top" id="top">self</a>',
    );
    writeFileSync(join(root, 'documents/cli.html'), '<h2 id="exit-codes">Exit codes</h2><a href="../index.html">back</a>');
    expect((brokenLinks(root) as string[]).sort()).toEqual(['index.html: documents/cli.html#nowhere (no such anchor)', 'index.html: documents/missing.html', 'index.html: media/plot.svg']);
  });
});
