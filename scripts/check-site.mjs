/**
 * Checks the built API site (docs/api) in a real browser: Debian's `chromium`, headless, loads
 * each checked page from disk (`--dump-dom`, after its scripts ran, so the navigation typedoc
 * builds in JavaScript is there) and the page must render: a title naming the site, a heading,
 * no link (in the DOM as rendered) to a missing file, and, on the landing page, a link to every
 * guide of docs/ and to every package. Pages checked: the landing page, every guide, every
 * package's page, and the first page of each kind (class, interface, function, ...).
 *
 * `node scripts/check-site.mjs [DIR]` prints one line per problem and exits 1 when there is one;
 * without chromium on the PATH it prints a notice and exits 0 (the static link check,
 * check-doc-links.mjs, still runs). `--screenshot FILE` also saves a PNG of the landing page.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The guides of docs/ the landing page must link to (typedoc's project documents). */
export const GUIDES = ['language', 'cli', 'solver-plugins', 'data-sources', 'architecture'];

/** The chromium binary, or undefined when none is installed. */
export function findChromium() {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  return undefined;
}

/** Chromium's flags for a headless run as root, in a throwaway profile. */
function chromiumFlags(profile) {
  return ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', `--user-data-dir=${profile}`, '--virtual-time-budget=3000'];
}

/** The DOM of `file` after its scripts ran, as chromium serializes it. */
export function renderedDom(chromium, file) {
  const profile = mkdtempSync(join(tmpdir(), 'sgd-site-'));
  try {
    return execFileSync(chromium, [...chromiumFlags(profile), '--dump-dom', pathToFileURL(file).href], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] });
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Saves a PNG of `file` as rendered at 1280×900. */
export function screenshot(chromium, file, png) {
  const profile = mkdtempSync(join(tmpdir(), 'sgd-site-'));
  try {
    execFileSync(chromium, [...chromiumFlags(profile), '--hide-scrollbars', '--window-size=1280,900', `--screenshot=${resolve(png)}`, pathToFileURL(file).href], { timeout: 60_000, stdio: 'ignore' });
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The problems of one rendered page: title, heading, and links to missing files. */
export function pageProblems(dom, file, siteName) {
  const problems = [];
  const title = /<title>([^<]*)<\/title>/.exec(dom)?.[1] ?? '';
  if (!title.includes(siteName)) problems.push(`title '${title}' does not name ${siteName}`);
  if (!/<h1[\s>]/.test(dom)) problems.push('no heading (h1): the page did not render');
  for (const [, link] of dom.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(link) && !link.startsWith('file:')) continue;
    if (link === '' || link.startsWith('#')) continue;
    const path = link.startsWith('file:') ? fileURLToPath(link.split('#')[0]) : resolve(dirname(file), decodeURIComponent(link.split('#')[0].split('?')[0]));
    if (!existsSync(path)) problems.push(`link to a missing page: ${link}`);
  }
  return problems;
}

/** The pages to check: the landing page, the guides, the package pages and the first page of each kind. */
export function pagesToCheck(root) {
  const pages = [join(root, 'index.html')];
  for (const dir of ['documents', 'modules', 'classes', 'interfaces', 'functions', 'types', 'variables']) {
    const path = join(root, dir);
    if (!existsSync(path)) continue;
    const html = readdirSync(path).filter((f) => f.endsWith('.html')).sort();
    pages.push(...(dir === 'documents' || dir === 'modules' ? html : html.slice(0, 1)).map((f) => join(path, f)));
  }
  return pages;
}

/** Every problem of the `pages` of the site in `root` (default {@link pagesToCheck}), as `page: problem` lines. */
export function checkSite(root, chromium, pages = pagesToCheck(root), siteName = 'sgdiff') {
  const problems = [];
  for (const page of pages) {
    const dom = renderedDom(chromium, page);
    for (const p of pageProblems(dom, page, siteName)) problems.push(`${relative(root, page)}: ${p}`);
    if (page === join(root, 'index.html')) {
      for (const guide of GUIDES) if (!new RegExp(`href="[^"]*documents/${guide}\\.html"`).test(dom)) problems.push(`index.html: no link to the guide ${guide}`);
      for (const pkg of ['core', 'dsl', 'plugins', 'cli']) if (!new RegExp(`href="[^"]*sgdiff_${pkg}\\.html"`).test(dom)) problems.push(`index.html: no link to the package @sgdiff/${pkg}`);
    }
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--screenshot');
  const png = at >= 0 ? args.splice(at, 2)[1] : undefined;
  const root = resolve(args[0] ?? 'docs/api');
  const chromium = findChromium();
  if (!chromium) {
    console.log('check-site: no chromium on the PATH, the browser check is skipped (apt-get install chromium)');
    process.exit(0);
  }
  if (!existsSync(join(root, 'index.html'))) {
    console.error(`check-site: ${root}/index.html does not exist: build the site first (pnpm docs)`);
    process.exit(1);
  }
  const problems = checkSite(root, chromium);
  for (const line of problems) console.error(line);
  if (png) screenshot(chromium, join(root, 'index.html'), png);
  if (problems.length > 0) {
    console.error(`${problems.length} problems in ${root}`);
    process.exit(1);
  }
  console.log(`the site renders in chromium: ${pagesToCheck(root).length} pages, no missing page or link${png ? `; screenshot ${png}` : ''}`);
}
