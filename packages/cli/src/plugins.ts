/**
 * Loading third-party plugins by path or package name (`--plugin`). A plugin module exports an
 * inversify `ContainerModule` as its default export (or as `plugin`); it is loaded after the
 * built-ins, through the same tokens.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ContainerModule } from 'inversify';
import type { PluginRegistry } from '@sgdiff/core';
import { defaultRegistry } from '@sgdiff/plugins';
import { UserError } from './errors.ts';

/** Imports each plugin module and returns its container module. */
export async function importPlugins(specifiers: readonly string[]): Promise<ContainerModule[]> {
  const modules: ContainerModule[] = [];
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
      throw new UserError(`--plugin ${specifier}: error: the module must export an inversify ContainerModule as its default export or as 'plugin'`);
    }
    modules.push(module);
  }
  return modules;
}

/** The built-ins plus the plugins named on the command line. */
export async function registryWith(specifiers: readonly string[]): Promise<PluginRegistry> {
  return defaultRegistry(await importPlugins(specifiers));
}
