/**
 * Renders a vega-lite spec to an SVG document whose bytes depend on the spec alone.
 *
 * vega names the gradients and clip paths it defines with a counter shared by the whole process,
 * so the same chart drawn second in a process comes out as `gradient_1` instead of `gradient_0`,
 * and a sweep's plots would differ with the number of worker threads that ran before them. The
 * ids are renumbered in order of first appearance, per prefix.
 */
import type { TopLevelSpec } from 'vega-lite';

/**
 * Renumbers the ids an SVG document defines (and every `#id` reference to them) in order of appearance.
 * @category CLI
 */
export function canonicalSvgIds(svg: string): string {
  const renamed = new Map<string, string>();
  const countByPrefix = new Map<string, number>();
  for (const [, id] of svg.matchAll(/\bid="([^"]+)"/g)) {
    const numbered = /^(.*?)(\d+)$/.exec(id);
    if (numbered === null || renamed.has(id)) continue;
    const n = countByPrefix.get(numbered[1]) ?? 0;
    countByPrefix.set(numbered[1], n + 1);
    renamed.set(id, `${numbered[1]}${n}`);
  }
  if (renamed.size === 0) return svg;
  // One pass over every place an id is defined or referenced, so a rename never feeds another.
  return svg.replace(/(\bid="|url\(#|href="#)([^")]+)/g, (whole: string, lead: string, id: string) => {
    const to = renamed.get(id);
    return to === undefined ? whole : lead + to;
  });
}

/**
 * Compiles and renders a vega-lite spec headless to SVG with canonical ids.
 * @category CLI
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // Loaded on first use: vega takes longer to import than the rest of `sgd` together.
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  return canonicalSvgIds(await view.toSVG());
}
