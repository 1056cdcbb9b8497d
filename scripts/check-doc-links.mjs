/**
 * Checks the built API site (docs/api, written by `typedoc`) for broken links: every relative
 * `href` and `src` of every HTML page must name a file of the site, and a `#fragment` into a
 * page must name an `id` (or `name`) in it. Run by `pnpm test` after typedoc; prints each broken
 * link as `page: link` and exits 1 when there is one.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every file under `dir`. */
function files(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** The ids and anchor names a page defines. */
function anchors(html) {
  return new Set([...html.matchAll(/\s(?:id|name)="([^"]+)"/g)].map((m) => m[1]));
}

/** The broken links of the site in `root`, as `page: link` strings. */
export function brokenLinks(root) {
  const pages = files(root).filter((f) => f.endsWith('.html'));
  const ids = new Map();
  const idsOf = (page) => {
    if (!ids.has(page)) ids.set(page, anchors(readFileSync(page, 'utf8')));
    return ids.get(page);
  };
  const broken = [];
  for (const page of pages) {
    const html = readFileSync(page, 'utf8');
    for (const [, link] of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link === '' || link === '#') continue;
      const [path, fragment] = link.split('#');
      const target = path === '' ? page : resolve(dirname(page), decodeURIComponent(path));
      if (!existsSync(target)) broken.push(`${relative(root, page)}: ${link}`);
      else if (fragment && target.endsWith('.html') && !idsOf(target).has(decodeURIComponent(fragment))) broken.push(`${relative(root, page)}: ${link} (no such anchor)`);
    }
  }
  return broken;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? 'docs/api');
  const broken = brokenLinks(root);
  for (const line of broken) console.error(line);
  if (broken.length > 0) {
    console.error(`${broken.length} broken links in ${root}`);
    process.exit(1);
  }
  console.log(`no broken links in ${relative(process.cwd(), root) || root}`);
}
