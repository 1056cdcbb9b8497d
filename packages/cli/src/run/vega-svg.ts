/** Rendering a vega-lite specification to SVG, headless: the one place `sgd` and its figure scripts draw with vega. */
import type { TopLevelSpec } from 'vega-lite';

/** The SVG document of a vega-lite `spec` (vega is loaded on first use: it takes longer to import than the rest of `sgd` together). */
export async function renderVegaLite(spec: TopLevelSpec): Promise<string> {
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}
