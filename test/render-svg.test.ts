import { describe, expect, it } from 'vitest';
import { canonicalSvgIds, renderSvg } from '../packages/cli/src/render-svg.ts';

/** A chart with a gradient legend (and so an SVG id) of its own. */
const heatMap = {
  data: { values: [{ x: 'a', y: 'b', v: 1 }, { x: 'b', y: 'b', v: 3 }] },
  mark: 'rect',
  encoding: { x: { field: 'x', type: 'ordinal' }, y: { field: 'y', type: 'ordinal' }, color: { field: 'v', type: 'quantitative' } },
} as unknown as Parameters<typeof renderSvg>[0];

describe('SVG rendering', () => {
  it('gives the same bytes for the same chart however many charts the process drew before', async () => {
    const first = await renderSvg(heatMap);
    const second = await renderSvg(heatMap);
    expect(second).toBe(first);
    expect(first).toContain('id="gradient_0"');
    // Every reference points at an id the document defines.
    const defined = new Set([...first.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]));
    const referenced = [...first.matchAll(/url\(#([^)]+)\)/g)].map((m) => m[1]);
    expect(referenced.length).toBeGreaterThan(0);
    for (const id of referenced) expect(defined.has(id), id).toBe(true);
  });

  it('renumbers ids per prefix in order of appearance, with their references, in one pass', () => {
    const svg = '<g id="clip7"><path fill="url(#gradient_3)"/><use href="#clip7"/></g><linearGradient id="gradient_3"/><g id="clip2"/><g id="gradient_0"/><g id="title"/>';
    expect(canonicalSvgIds(svg)).toBe('<g id="clip0"><path fill="url(#gradient_0)"/><use href="#clip0"/></g><linearGradient id="gradient_0"/><g id="clip1"/><g id="gradient_1"/><g id="title"/>');
  });
});
