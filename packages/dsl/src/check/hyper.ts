/**
 * Rules of hypergradient problems that span statements: an `outer_solve` block and the
 * `estimator` option need an `outer` objective, and the `analytic` estimator (g1 = ∇θF) needs
 * the value function `outer value`.
 */
import type { OuterDecl, OuterSolveDecl, SolveDecl } from '../ast.ts';
import type { CheckContext } from './context.ts';
import { solverCatalog } from './solve.ts';

/** The option (of any solve block whose solver declares it) that chooses the hypergradient estimators. */
export const ESTIMATOR_OPTION = 'estimator';

/** The estimator g1 = ∇θF(x_t, θ), which is a hypergradient only of the value function. */
export const ANALYTIC_ESTIMATOR = 'analytic';

/** The estimator g2, which differentiates through the iterations. */
export const AUTOMATIC_ESTIMATOR = 'automatic';

/** The tracking modes g2 can read ∂θx_t from. */
const ITERATION_TRACKING = ['forward', 'reverse'];

/** How to add the missing upper objective, for messages. */
const ADD_OUTER = "add 'outer value' or 'outer E(x, theta; j) = ...'";

/** Reports an `outer_solve` block in a file without `outer`. */
export function checkOuterSolveHasOuter(decl: OuterSolveDecl, outer: OuterDecl | undefined, ctx: CheckContext): void {
  if (!outer) ctx.error(decl.range, 'missing-outer', `'outer_solve' needs an upper objective: ${ADD_OUTER}`);
}

/**
 * Checks the `estimator` option of a block, when its solver declares one: it needs an `outer`
 * objective (reported for `solve` blocks; an `outer_solve` block without `outer` is reported
 * as a whole), and `analytic` needs `outer value`.
 */
export function checkEstimator(decl: SolveDecl | OuterSolveDecl, outer: OuterDecl | undefined, ctx: CheckContext): void {
  const option = decl.options.find((o) => o.key.name === ESTIMATOR_OPTION);
  const solver = solverCatalog(decl, ctx).solvers.get(decl.solver.name);
  if (!option || !solver?.options.some((o) => o.name === ESTIMATOR_OPTION)) return;
  if (!outer) {
    if (decl.$type === 'SolveDecl') {
      const message = `option '${ESTIMATOR_OPTION}' chooses how the hypergradient is estimated, but the file has no upper objective: ${ADD_OUTER}`;
      ctx.error(option.key.range, 'missing-outer', message);
    }
    return;
  }
  const track = decl.options.find((o) => o.key.name === 'track')?.value;
  const trackName = track?.$type === 'NameRef' ? track.name : 'none';
  for (const value of option.values) {
    if (value.$type !== 'NameRef' || value.name !== AUTOMATIC_ESTIMATOR || ITERATION_TRACKING.includes(trackName)) continue;
    // The same rule the run applies (hyper-session.ts), so `sgd check` refuses what `sgd run` would.
    const message = `estimator '${AUTOMATIC_ESTIMATOR}' differentiates through the iterations: set track = forward or track = reverse (got track = ${trackName})`;
    ctx.error(value.range, 'invalid-option-value', message);
  }
  if (outer.kind === 'value') return;
  for (const value of option.values) {
    if (value.$type !== 'NameRef' || value.name !== ANALYTIC_ESTIMATOR) continue;
    const message =
      `estimator '${ANALYTIC_ESTIMATOR}' (g1) exists only for the value function 'outer value': ` +
      `∇θF(x_t, θ) is the gradient of min_x F, not of another upper objective such as '${outer.name.name}'`;
    ctx.error(value.range, 'analytic-needs-value', message);
  }
}
