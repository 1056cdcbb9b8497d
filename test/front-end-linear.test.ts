/**
 * The probe's inputs whose diagnostics grew faster than the file: each diagnostic echoes at
 * most a window of its line, and formatting thousands of diagnostics is linear in their number.
 */
import { describe, expect, it } from 'vitest';
import { compileSgd, formatDiagnostic, formatDiagnostics, parseSgd } from '@sgdiff/dsl';
import { defaultRegistry } from '@sgdiff/plugins';
import { checkEnvironment } from '../packages/cli/src/load.ts';
import { ECHO_WIDTH } from '../packages/dsl/src/diagnostics.ts';
import { cpuMs } from './support/cpu-time.ts';

const registry = defaultRegistry();
const env = checkEnvironment(registry);

describe('diagnostics of long lines', () => {
  it('echo a window of the line around the span, with … where it is cut, the caret under the span', () => {
    const line = `minimize f(x) = ${Array(900).fill('x').join(' + ')} + y`;
    const source = `var x : R = 0\n${line}\n`;
    const [d] = compileSgd(source, 'p.sgd', env).diagnostics;
    expect(d.message).toBe("unknown name 'y'");
    const [header, echoed, caret] = formatDiagnostic('p.sgd', source, d).split('\n');
    expect(header).toBe(`p.sgd:2:${line.length}: error: unknown name 'y'`);
    expect(echoed.startsWith('…')).toBe(true);
    expect(echoed.endsWith('x + y')).toBe(true);
    expect(echoed.length).toBeLessThanOrEqual(ECHO_WIDTH + 2);
    // The caret sits under the `y` of the echoed window.
    expect(echoed[caret.length - 1]).toBe('y');
    expect(caret.trim()).toBe('^');
  });

  it('report { step ×10000 }: 9,999 warnings, each a bounded window (the probe passed 4 GB)', () => {
    const source = `var x : R = 0\nminimize f(x) = x^2\nsolve gd { iterations = 3 }\nreport { ${Array(10_000).fill('step').join(', ')} }\n`;
    const { result: diagnostics, ms } = cpuMs(() => compileSgd(source, 'p.sgd', env).diagnostics);
    const formatted = cpuMs(() => formatDiagnostics('p.sgd', source, diagnostics));
    const text = formatted.result;
    const seconds = (ms + formatted.ms) / 1000;
    expect(diagnostics.filter((d) => d.code === 'duplicate-metric')).toHaveLength(9999);
    const longest = Math.max(...text.split('\n').map((l) => l.length));
    expect(longest).toBeLessThanOrEqual(ECHO_WIDTH + 100);
    expect(text.length).toBeLessThan(9999 * (2 * ECHO_WIDTH + 200));
    expect(seconds).toBeLessThan(20);
  });

  it('formats 16,000 syntax errors in under 2 s (the probe took 13 s: each one split the whole file)', () => {
    const source = Array(8000).fill('dim = =').join('\n') + '\n';
    const { diagnostics } = parseSgd(source, 'p.sgd');
    expect(diagnostics.length).toBe(16_000);
    const { result: text, ms } = cpuMs(() => formatDiagnostics('p.sgd', source, diagnostics));
    expect(ms).toBeLessThan(2000);
    expect(text.split('\n\n')).toHaveLength(16_000);
  });
});
