/**
 * A third-party solver plugin: Polyak's heavy-ball momentum,
 *
 *   x_{k+1} = x_k − η_k ∇ₓf(x_k, θ; ξ_{k+1}) + β (x_k − x_{k−1}).
 *
 * It gives only its step map, as IR, for one sample; sgdiff averages it over the batch,
 * compiles it and differentiates it, so `track = forward | reverse | implicit` work with no
 * code here. Load it with `sgd run FILE --plugin ./examples/plugins/heavy-ball.ts`.
 *
 * Written as a plugin package would be: it imports only public exports of `@sgdiff/core`,
 * and `inversify` for the container module (the same major version as sgdiff's).
 */
import { ContainerModule } from 'inversify';
import { SCHEDULE_VARIABLES, SOLVERS, type Node, type SolverPlugin, type StepMapContext } from '@sgdiff/core';

/** The heavy-ball step map: the next x and, per var, the `previous` iterate it keeps as state. */
function heavyBallStep(ctx: StepMapContext): { next: Node[]; states: Record<string, Node> } {
  const b = ctx.builder;
  const eta = ctx.schedule('step');
  // A number option arrives as a number; as a constant node it is not differentiated (β does not depend on θ).
  const beta = b.const(Number(ctx.options.momentum));
  const states: Record<string, Node> = {};
  const next = ctx.vars.map((x, k) => {
    // One state per var, named after it: two vars must not share a buffer.
    const name = `previous_${x.input?.name ?? k}`;
    // x_{−1} = x₀ (`copy`), so the first step is a plain gradient step.
    const previous = ctx.state(name, x, 'copy');
    states[name] = x;
    const g = ctx.gradient[k];
    const descent = g ? b.sub(x, b.mul(eta, g)) : x;
    return b.add(descent, b.mul(beta, b.sub(x, previous)));
  });
  return { next, states };
}

/** Heavy-ball (Polyak) momentum with a stochastic gradient. */
export const heavyBallSolver: SolverPlugin = {
  name: 'heavy_ball',
  doc: 'Heavy-ball momentum: x_{k+1} = x_k − η_k ∇ₓf(x_k, θ; ξ_{k+1}) + β (x_k − x_{k−1}), ξ a sample (or minibatch) of the declared law.',
  sampling: 'stochastic',
  options: [
    {
      name: 'step',
      type: 'expression',
      default: '1 / L',
      variables: SCHEDULE_VARIABLES,
      doc: 'Step size η_k: an expression of k (the iteration, from 0), mu, L and kappa (the constants of F).',
    },
    {
      name: 'momentum',
      type: 'number',
      default: 0.5,
      min: 0,
      // β must be < 1; option bounds are inclusive, so the largest accepted value is 0.999.
      max: 0.999,
      doc: 'The momentum β in [0, 1): the weight of the last displacement x_k − x_{k−1}.',
    },
  ],
  stepMap: heavyBallStep,
};

/** The plugin module `--plugin` loads: binds the solver to the public `SOLVERS` token. */
const heavyBallPlugin = new ContainerModule(({ bind }) => {
  bind(SOLVERS).toConstantValue(heavyBallSolver);
});

export default heavyBallPlugin;
