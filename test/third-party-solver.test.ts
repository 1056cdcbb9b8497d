/**
 * A third-party solver plugin, loaded by path exactly as `--plugin` loads it, passes the
 * solver conformance suite and gets derivative tracking from the framework with no code of
 * its own: `sgd run` reports a forward Jacobian close to the exact ∂θx*.
 */
import { describe, expect, it } from 'vitest';
import { runSolverConformance } from '@sgdiff/core';
import {importPlugins, registryWith, type ExactReferenceDocument, type RunDocument } from '@sgdiff/cli';
import { sgd } from './support/cli.ts';

const PLUGIN = './examples/plugins/heavy-ball.ts';
const FILE = 'examples/plugins/heavy-ball.sgd';

/** ‖J − J*‖_F / ‖J*‖_F over every var × param block. */
function relativeJacobianError(document: RunDocument): number {
  let error = 0;
  let size = 0;
  for (const [v, byParam] of Object.entries((document.reference as ExactReferenceDocument).jacobian)) {
    for (const [p, rows] of Object.entries(byParam)) {
      rows.forEach((row, r) =>
        row.forEach((exact, c) => {
          error += (document.jacobian![v][p][r][c] - exact) ** 2;
          size += exact ** 2;
        }),
      );
    }
  }
  return Math.sqrt(error / size);
}

describe('a third-party solver plugin (heavy ball)', () => {
  it('loads by path as an inversify ContainerModule', async () => {
    const modules = await importPlugins([PLUGIN]);
    expect(modules).toHaveLength(1);
    const registry = await registryWith([PLUGIN]);
    expect([...registry.solvers.keys()]).toContain('heavy_ball');
  });

  it('passes the solver conformance suite', async () => {
    const registry = await registryWith([PLUGIN]);
    const report = runSolverConformance(registry.solvers.get('heavy_ball')!, registry);
    const failing = report.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`);
    expect(failing, `failing checks of heavy_ball:\n${failing.join('\n')}`).toEqual([]);
  });

  it('is checked by `sgd check --plugin`', async () => {
    const r = await sgd('check', FILE, '--plugin', PLUGIN);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('heavy_ball { iterations = 20000, track = forward');
    expect(r.out).toContain('momentum = 0.5');
  });

  it('gets forward tracking for free: `sgd run --plugin` reports ∂θx close to the exact ∂θx*', async () => {
    const r = await sgd('run', FILE, '--plugin', PLUGIN, '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const document = JSON.parse(r.out) as RunDocument;
    expect(document.iterations).toBe(20000);
    expect((document.reference as ExactReferenceDocument).certified).toBe(true);
    // The tracked Jacobian is the exact derivative of the run (the conformance suite checks it
    // against finite differences to 1e-7); here it is compared with ∂θx* of the problem, which
    // the stochastic iterates only approach: with η_k ∝ 1/k, ‖J_t − J*‖ = O(1/√t) like
    // ‖x_t − x*‖ (about 1–2 % relative at t = 20000 over seeds 0–3). 10 % bounds that with
    // room, and is ten times better than J = 0 would be.
    const error = relativeJacobianError(document);
    expect(error).toBeLessThan(0.1);
    expect(document.final.jacobian_error).toBeLessThan(0.1 * Math.hypot(...Object.values((document.reference as ExactReferenceDocument).jacobian.x.theta).flat()));
  });
});
