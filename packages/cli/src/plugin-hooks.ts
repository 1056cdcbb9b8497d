/**
 * What the built `sgd` gives a plugin it loads from anywhere on disk: its own copies of
 * `@sgdiff/core` and `inversify` (a plugin's imports of them resolve to the command's files, so
 * there is one registry token set and one `ContainerModule` class, and the plugin needs no
 * node_modules or package.json of its own), and TypeScript (a `.ts` plugin is compiled by tsx,
 * as an ES module whatever the nearest package.json says).
 *
 * Only the bundled command needs this: run from the sources (tests, tsx), the workspace
 * resolves the same packages by itself.
 */
import { register } from 'node:module';

/** Set by the build (packages/cli/build.mjs): the shared modules' files, next to the bundle. */
declare const SGD_SHARED_MODULES: Readonly<Record<string, string>> | undefined;

/**
 * Node module hooks (run in the loader thread): resolve the shared specifiers to the command's
 * files, and load plugin files (`.ts`, `.js` outside node_modules) as ES modules, the format
 * plugins are documented to have (tsx would otherwise compile a file with no `"type": "module"`
 * package.json to CommonJS). A constant text: the only data it receives is the command's own
 * file URLs.
 */
const HOOKS = `
let shared = {};
export function initialize(data) { shared = data; }
export async function resolve(specifier, context, next) {
  return Object.hasOwn(shared, specifier) ? { url: shared[specifier], shortCircuit: true } : next(specifier, context);
}
export async function load(url, context, next) {
  const plugin = url.startsWith('file:') && !url.includes('/node_modules/') && /\\.(ts|js)$/.test(new URL(url).pathname);
  return plugin ? next(url, { ...context, format: 'module' }) : next(url, context);
}`;

/** Whether a specifier names a TypeScript file. */
export function isTypeScript(specifier: string): boolean {
  return /\.[cm]?ts$/.test(specifier);
}

/**
 * Installs the hooks once, before the plugins are imported (a no-op when run from the sources).
 * tsx is loaded only when a plugin is TypeScript: its hooks would take over plain `.js` files too.
 */
export async function shareModulesWithPlugins(specifiers: readonly string[]): Promise<void> {
  if (typeof SGD_SHARED_MODULES === 'undefined') return;
  const typescript = specifiers.some(isTypeScript);
  if (typescript && !state.typescript) {
    // Before ours: hooks registered later run first, so ours resolve the shared names and set the format.
    const { register: registerTypeScript } = await import('tsx/esm/api');
    registerTypeScript();
    state.typescript = true;
    state.shared = false;
  }
  if (!state.shared) {
    const shared = Object.fromEntries(Object.entries(SGD_SHARED_MODULES).map(([name, file]) => [name, new URL(file, import.meta.url).href]));
    register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, { data: shared });
    state.shared = true;
  }
}

/** Which hooks this process has installed. */
const state = { shared: false, typescript: false };
