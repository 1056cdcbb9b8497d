/**
 * Builds the `sgd` command into `dist/` with esbuild, so it starts without compiling TypeScript:
 * - `dist/core.js` and `dist/inversify.js`: `@sgdiff/core` and inversify, one copy each shared by
 *   the command, its workers and the plugins it loads (a plugin's `import '@sgdiff/core'` and
 *   `import 'inversify'` resolve here, see src/plugin-hooks.ts);
 * - `dist/bin.js`, `dist/worker-entry.mjs` and `dist/sweep-worker-entry.mjs`: the command, its
 *   Monte Carlo worker and its sweep worker, with
 *   `@sgdiff/dsl`, `@sgdiff/plugins` and the CLI bundled in;
 * - `dist/compute-thread.mjs`: the compute thread of `sgd worker` (queue jobs);
 * - `dist/forward-worker.mjs`: the second thread of forward tracking (`@sgdiff/core`'s
 *   `forward-worker.mjs`), started by `core.js` from its own directory.
 * npm packages are bundled too (chevrotain is some 600 files through lodash-es, inversify 260:
 * loading them one by one took most of a second), except the {@link EXTERNAL} ones. Run by the workspace's
 * `prepare` script on install, by `pnpm build`, and by `pnpm sgd` / `sgd` in the repository when
 * a source is newer than the build ({@link isStale}).
 */
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const packagesDir = join(here, '..');
const dist = join(here, 'dist');
/** Written last: a build is complete (and fresh) when this stamp exists and is newer than every source. */
const stamp = join(dist, '.built');
const sources = ['core', 'dsl', 'plugins', 'cli'].flatMap((name) => [join(packagesDir, name, 'src'), join(packagesDir, name, 'package.json')]);

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestMtime(join(path, entry))), stat.mtimeMs);
}

/** True when there is no complete build, or a source file (or package.json) changed after it. */
export function isStale() {
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return sources.some((path) => existsSync(path) && newestMtime(path) > built);
}

/**
 * The CLI's runtime dependencies, left as imports: vega and vega-lite (loaded only to draw a
 * plot), mnist (its data files are found through its package), tsx (loaded only to compile
 * a TypeScript plugin), bullmq and ioredis (loaded only with --queue and by sgd worker), binaryen
 * (15 MB, loaded only for the WebAssembly backend).
 */
export const EXTERNAL = ['vega', 'vega-lite', 'mnist', 'tsx', 'bullmq', 'ioredis', 'binaryen'];

/** The modules a plugin shares with the command, and their files in `dist/`. */
export const SHARED = { '@sgdiff/core': './core.js', inversify: './inversify.js' };

/**
 * Writes a file whole or not at all (a temporary file renamed over it): an `sgd` started while
 * another rebuilds reads the old file or the new one, never half of one.
 */
function writeAtomically(path, contents) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

/** Builds `dist/` (about half a second). */
export async function build() {
  const { build: bundle } = await import('esbuild');
  mkdirSync(dist, { recursive: true });
  const esbuild = async (options) => {
    const { outputFiles } = await bundle({ ...options, write: false });
    for (const file of outputFiles) writeAtomically(file.path, file.contents);
  };
  const shared = {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    legalComments: 'none',
    minify: true,
    keepNames: true,
    sourcemap: 'linked',
    tsconfig: join(packagesDir, '..', 'tsconfig.json'),
    external: [...EXTERNAL, 'tsx/esm/api'],
    define: { SGD_SHARED_MODULES: JSON.stringify(SHARED), SGD_BUILD: 'true' },
    // Bundled CommonJS modules call require() for Node's built-ins.
    banner: { js: "import { createRequire as __sgdRequire } from 'node:module'; const require = __sgdRequire(import.meta.url);" },
  };
  /** `@sgdiff/core` and inversify become the shared `./core.js` and `./inversify.js`. */
  const sharing = (names) => ({
    name: 'shared',
    setup: (b) => b.onResolve({ filter: /^(@sgdiff\/core|inversify)$/ }, (args) => (names.includes(args.path) ? { path: SHARED[args.path], external: true } : undefined)),
  });
  await esbuild({ ...shared, stdin: { contents: "export * from 'inversify';", resolveDir: here }, outfile: join(dist, 'inversify.js') });
  await esbuild({ ...shared, entryPoints: { core: join(packagesDir, 'core/src/index.ts') }, outdir: dist, plugins: [sharing(['inversify'])] });
  const externals = sharing(['inversify', '@sgdiff/core']);
  await esbuild({ ...shared, entryPoints: { bin: join(here, 'src/bin.ts') }, outdir: dist, plugins: [externals] });
  // Each executor starts its worker by file name next to its own module: in dist/, next to bin.js,
  // so the names must differ (a sweep given the Monte Carlo worker fails).
  const workers = {
    'worker-entry': join(here, 'src/run/worker.ts'),
    'sweep-worker-entry': join(here, 'src/sweep/worker.ts'),
    'compute-thread': join(here, 'src/queue/compute-thread.ts'),
  };
  await esbuild({ ...shared, entryPoints: workers, outdir: dist, outExtension: { '.js': '.mjs' }, plugins: [externals] });
  // core.js starts the forward-tracking thread from `new URL('./forward-worker.mjs', import.meta.url)`:
  // next to it here as next to forward-threads.ts in the sources (plain JavaScript, only node: imports).
  await esbuild({ ...shared, entryPoints: { 'forward-worker': join(packagesDir, 'core/src/solver/forward-worker.mjs') }, outdir: dist, outExtension: { '.js': '.mjs' } });
  writeAtomically(stamp, new Date().toISOString() + '\n');
}

/** Rebuilds when stale; quiet when fresh. */
export async function ensureBuilt() {
  if (isStale()) await build();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await build();
