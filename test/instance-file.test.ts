/**
 * instance.json written in pieces (a large instance's text exceeds V8's longest string): the
 * pieces concatenate to exactly `JSON.stringify(instanceJson(...))`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSession, instanceJson, instanceJsonPieces, loadProblem } from '@sgdiff/cli';
import { defaultRegistry } from '@sgdiff/plugins';
import { prepareKernelBackend } from '@sgdiff/core';

// Sessions built here compile for the solve option `backend`, `auto` by default (WebAssembly where
// the runtime has SIMD): Binaryen is loaded first, as `sgd run` does before `createSession`.
await prepareKernelBackend('auto');

describe('instance.json in pieces', () => {
  it('is the same text as one JSON.stringify, with dims, consts, scalars, vectors and matrices', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sgd-instance-')), 'p.sgd');
    writeFileSync(
      path,
      `dim n = 3
dim d = 4
const c = 0.25
data A : R[n, d] ~ normal(0, 1)
data b : R[n] ~ normal(0, 1)
param s : R = 0.5
var x : R[d] = 0
sample i ~ uniform(n)
minimize f(x, s; i) = 0.5 * (A[i] . x - b[i])^2 + c * s * norm2(x)
solve gd { iterations = 1 }
`,
    );
    const registry = defaultRegistry();
    const { problem } = loadProblem(path, registry);
    const session = createSession(problem, registry, 0, path);
    const pieces = [...instanceJsonPieces(problem, session.kernels.instance)];
    expect(pieces.length).toBeGreaterThan(problem.tensors.length + 1);
    expect(pieces.join('')).toBe(JSON.stringify(instanceJson(problem, session.kernels.instance)));
  });
});
