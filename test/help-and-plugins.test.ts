/**
 * `sgd --help` and each command's help (examples, exit codes, every file `--out` writes), and
 * `sgd plugins` as aligned tables with the common solver options once, or as JSON.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMON_SOLVER_OPTIONS } from '@sgdiff/core';
import {type PluginsDescription } from '@sgdiff/cli';
import { sgd } from './support/cli.ts';

/** The exit codes main.ts returns, read from its source so a new code without help fails here. */
const EXIT_CODES = [...readFileSync('packages/cli/src/main.ts', 'utf8').matchAll(/\b(\d+) (success|a user mistake|a run that\s+\*?\s*diverged|an internal error)/g)].map((m) => m[1]);

describe('help', () => {
  it('main.ts documents the exit codes 0, 1, 2 and 70 (the list the help must show)', () => {
    expect(EXIT_CODES).toEqual(['0', '1', '2', '70']);
  });

  for (const command of ['', 'check', 'derive', 'run', 'plugins']) {
    it(`sgd ${command || ''} --help shows examples and every exit code`, async () => {
      const r = await sgd(...(command ? [command] : []), '--help');
      expect(r.code).toBe(0);
      const examples = r.out.split('Examples:\n')[1]?.split('\n\n')[0].split('\n') ?? [];
      expect(examples.length).toBeGreaterThanOrEqual(2);
      for (const line of examples) expect(line).toMatch(new RegExp(`^  sgd ${command}`));
      for (const code of EXIT_CODES) expect(r.out).toMatch(new RegExp(`\\n  ${code} +\\S`));
    });
  }

  it('sgd run --help names every file the run command writes into --out', async () => {
    const source = readFileSync('packages/cli/src/run/command.ts', 'utf8');
    const written = new Set([...source.matchAll(/'([a-z]+\.(?:json|csv|svg))':/g)].map((m) => m[1]));
    expect([...written].sort()).toEqual(['instance.json', 'outer.csv', 'plot.svg', 'result.json', 'sid.csv', 'trace.csv']);
    const help = (await sgd('run', '--help')).out;
    for (const file of written) expect(help).toMatch(new RegExp(`\\n  ${file.replace('.', '\\.')} +\\S`));
  });

  it('sgd --version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync('packages/cli/package.json', 'utf8')) as { version: string };
    const r = await sgd('--version');
    expect(r.out).toBe(version);
  });
});

describe('sgd plugins', () => {
  it('prints tables whose columns line up, no line over 100 characters', async () => {
    const r = await sgd('plugins');
    const lines = r.out.split('\n');
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(100);
    // Every table: each row's cells start where the header's columns start.
    for (const table of r.out.split('\n\n')) {
      const [, header, ...rows] = table.split('\n');
      const starts = [...header.matchAll(/(?<=^ {2}| {2})\S/g)].map((m) => m.index);
      for (const row of rows.filter((line) => !line.startsWith('      ') && /^ {2}\S/.test(line))) {
        for (const start of starts.slice(0, -1)) expect(row[start - 1], `${row}\n${header}`).toBe(' ');
      }
    }
  });

  it('lists the common solver options once, and each solver with only its own', async () => {
    const r = await sgd('plugins');
    expect(r.out.match(/\n {2}iterations +1000 /g)).toHaveLength(1);
    expect(r.out).toContain('OPTIONS OF EVERY SOLVER');
    expect(r.out).toMatch(/OPTIONS OF sgd\n.*\n {2}step +1 \/ \(mu \* \(k \+ 8 \* kappa\^2\)\)/);
  });

  it('--json holds the same content as data', async () => {
    const r = await sgd('plugins', '--json');
    const d = JSON.parse(r.out) as PluginsDescription;
    expect(d.commonOptions.map((o) => o.name)).toEqual(COMMON_SOLVER_OPTIONS.map((o) => o.name));
    const common = new Set(d.commonOptions.map((o) => o.name));
    for (const solver of d.solvers) for (const o of solver.options) expect(common.has(o.name)).toBe(false);
    expect(d.solvers.map((s) => s.name)).toEqual(['gd', 'sgd', 'inexact_sgd', 'fixed_point', 'sinkhorn']);
    expect(d.operators.find((o) => o.operator === 'matvec')?.syntax).toBe('A @ v');
    expect(d.operators.find((o) => o.operator === 'logsumexp')?.syntax).toBe('logsumexp(M, axis = 0|1)');
    expect(d.outerSolvers.map((s) => s.name)).toEqual(['gd', 'mirror', 'mirror_ascent']);
    expect(d.sources.map((s) => s.name)).toContain('mnist');
  });
});

describe('docs/solver-plugins.md', () => {
  it('lists every option every solver gets, in its table', () => {
    const doc = readFileSync('docs/solver-plugins.md', 'utf8');
    const section = doc.slice(doc.indexOf('## Options every solver gets'), doc.indexOf('## Loading a plugin'));
    const listed = [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(listed).toEqual(COMMON_SOLVER_OPTIONS.map((o) => o.name));
  });
});
