/**
 * Loading third-party plugins by path or package name (`--plugin`). A plugin module exports an
 * inversify `ContainerModule` as its default export (or as `plugin`); it is loaded after the
 * built-ins, through the same tokens. Paths are relative to the working directory.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ContainerModule } from 'inversify';
import type { PluginRegistry } from '@sgdiff/core';
import { defaultRegistry } from '@sgdiff/plugins';
import { UserError } from './errors.ts';
import { shareModulesWithPlugins } from './plugin-hooks.ts';

/** A short description of an exported value, for the message about a wrong export. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'function') return value.name ? `a function or class named '${value.name}'` : 'an anonymous function';
  if (typeof value !== 'object') return `a ${typeof value} (${String(value).slice(0, 40)})`;
  const constructor = (value as object).constructor?.name;
  // A ContainerModule from another copy of inversify: the plugin resolved its own inversify.
  if (constructor === ContainerModule.name) return 'a ContainerModule of another copy of inversify (the plugin must import the inversify sgd provides, not its own)';
  const keys = Object.keys(value).slice(0, 8);
  return `${constructor && constructor !== 'Object' ? `an instance of ${constructor}` : 'an object'}${keys.length > 0 ? ` with keys ${keys.join(', ')}` : ''}`;
}

/** What a module exports, for the message about a wrong export. */
function describeExports(loaded: Record<string, unknown>): string {
  const names = Object.keys(loaded);
  if (names.length === 0) return 'the module exports nothing';
  const main = 'default' in loaded ? 'default' : 'plugin' in loaded ? 'plugin' : undefined;
  const found = main ? `its '${main}' export is ${describeValue(loaded[main])}` : 'it has no default or \'plugin\' export';
  return `${found}; its exports: ${names.join(', ')}`;
}

/**
 * Imports each plugin module and returns its container module.
 * @category CLI
 */
export async function importPlugins(specifiers: readonly string[]): Promise<ContainerModule[]> {
  const modules: ContainerModule[] = [];
  if (specifiers.length > 0) await shareModulesWithPlugins(specifiers);
  for (const specifier of specifiers) {
    const target = specifier.startsWith('.') || isAbsolute(specifier) ? pathToFileURL(resolve(specifier)).href : specifier;
    let loaded: Record<string, unknown>;
    try {
      loaded = (await import(target)) as Record<string, unknown>;
    } catch (error) {
      throw new UserError(`--plugin ${specifier}: error: cannot load the plugin: ${(error as Error).message}`);
    }
    const module = loaded.default ?? loaded.plugin;
    if (!(module instanceof ContainerModule)) {
      throw new UserError(`--plugin ${specifier}: error: the module must export an inversify ContainerModule as its default export or as 'plugin', but ${describeExports(loaded)}`);
    }
    modules.push(module);
  }
  return modules;
}

/**
 * The built-ins plus the plugins named on the command line.
 * @category CLI
 */
export async function registryWith(specifiers: readonly string[]): Promise<PluginRegistry> {
  return defaultRegistry(await importPlugins(specifiers));
}
