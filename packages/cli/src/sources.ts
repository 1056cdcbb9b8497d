/** Reading `from src(...)` tensors through the data sources of the plugin registry. */
import { formatShape, sizeOf, withSourceDefaults, type PluginRegistry, type SourceReader } from '@sgdiff/core';

/**
 * A {@link SourceReader} for `drawInstance` that dispatches each tensor to the registry's
 * source of that name (arguments not written in the file take the source's defaults) and
 * checks that the source returned one entry per entry of the declared shape.
 * @category CLI
 */
export function registrySourceReader(registry: PluginRegistry): SourceReader {
  return (symbol, init, seed) => {
    const source = registry.sources.get(init.source);
    if (!source) throw new Error(`${symbol.name} is read from the data source '${init.source}', which no loaded plugin provides`);
    const values = source.read(symbol.shape, withSourceDefaults(source, init.args), seed);
    const expected = sizeOf(symbol.shape);
    if (values.length !== expected) {
      throw new Error(`the data source '${init.source}' returned ${values.length} entries for ${symbol.name} : ${formatShape(symbol.shape)}, which has ${expected}`);
    }
    return values;
  };
}
