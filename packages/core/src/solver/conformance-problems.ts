/**
 * The conformance suite's problems, built directly in IR (no DSL needed): each is small, has a
 * sample (so stochastic solvers draw minibatches) and two vars of different shapes (so a solver
 * that handles only the first var, or names its states the same for every var, is caught).
 */
import { IRBuilder } from '../ir/builder.ts';
import type { Node } from '../ir/node.ts';
import type { PluginRegistry } from '../plugin/registry.ts';
import type { Problem, TensorSymbol } from '../problem/problem.ts';
import { COMMON_SOLVER_OPTIONS, SCHEDULE_VARIABLES } from './common-options.ts';
import type { ConformanceProblemName, ScheduleChoice, ScheduleChoices, ScheduleVariables } from './conformance-declaration.ts';
import type { SolverPlugin } from './contract.ts';

/** Rows, features, minibatch size and ridge weight of the problems. */
export const CONFORMANCE_SIZES = { rows: 8, features: 3, batch: 2, ridge: 0.1 } as const;

/** The values of the solver's expression options in one problem build. */
export interface ProblemSchedules {
  /** Chosen values, by option. */
  readonly chosen: ScheduleChoices;
  /** The value of an expression option not in `chosen`. */
  readonly fallback: ScheduleChoice;
  /** Values of `integer`, `number` and `enum` options (default: their declared defaults). */
  readonly values: Readonly<Record<string, number | string>>;
}

type Declare = (kind: TensorSymbol['kind'], name: string, shape: number[], init: TensorSymbol['init']) => TensorSymbol;

/** Builds one of the suite's problems for `plugin`, its solve block set by `schedules`. */
export function conformanceProblem(name: ConformanceProblemName, registry: PluginRegistry, plugin: SolverPlugin, schedules: ProblemSchedules): Problem {
  const b = new IRBuilder(registry.operators);
  const declare: Declare = (kind, tensor, shape, init) => ({ kind, name: tensor, shape, init, node: b.input({ kind, name: tensor }, shape) });
  const { rows: N, features: D, batch, ridge } = CONFORMANCE_SIZES;
  const i = b.input({ kind: 'sample', name: 'i' }, []);
  const A = declare('data', 'A', [N, D], { kind: 'normal', mean: 0, sd: 1 });
  const half = (v: Node): Node => b.mul(b.const(0.5), v);
  let tensors: TensorSymbol[];
  let objective: Node;
  switch (name) {
    case 'quadratic': {
      // f(x, c, θ; i) = ½ (A[i]·x + c/10 − θ[i])² + (λ/200)(‖x‖² + c²): strongly convex whatever A
      // is, and c's small curvature makes κ large enough (about 10²) for a rate to tell methods apart.
      const theta = declare('param', 'theta', [N], { kind: 'normal', mean: 0, sd: 1 });
      const x = declare('var', 'x', [D], { kind: 'normal', mean: 0, sd: 1 });
      const c = declare('var', 'c', [], { kind: 'constant', value: 1 });
      const residual = b.sub(b.add(b.dot(b.row(A.node, i), x.node), b.mul(b.const(0.1), c.node)), b.entry(theta.node, i));
      objective = b.add(half(b.mul(residual, residual)), b.mul(b.const(ridge / 20), b.add(b.norm2(x.node), b.mul(c.node, c.node))));
      tensors = [A, theta, x, c];
      break;
    }
    case 'logistic': {
      // f(x, c, y; i) = softplus(−y[i] (A[i]·x + c)) + (λ/2)(‖x‖² + c²), soft labels y = θ ∈ (−1, 1).
      const y = declare('param', 'y', [N], { kind: 'uniform', lo: -1, hi: 1 });
      const x = declare('var', 'x', [D], { kind: 'normal', mean: 0, sd: 1 });
      const c = declare('var', 'c', [], { kind: 'constant', value: 1 });
      const margin = b.mul(b.neg(b.entry(y.node, i)), b.add(b.dot(b.row(A.node, i), x.node), c.node));
      objective = b.add(b.map('softplus', margin), b.mul(b.const(ridge / 2), b.add(b.norm2(x.node), b.mul(c.node, c.node))));
      tensors = [A, y, x, c];
      break;
    }
    case 'gauge': {
      // f(x, a, θ; i) = ½ (A[i]·x + a₀ + a₁ − θ[i])²: only a₀ + a₁ matters, so a ↦ a + s(1, −1) leaves f unchanged.
      const theta = declare('param', 'theta', [N], { kind: 'normal', mean: 0, sd: 1 });
      const x = declare('var', 'x', [D], { kind: 'normal', mean: 0, sd: 1 });
      const a = declare('var', 'a', [2], { kind: 'normal', mean: 0, sd: 1 });
      const residual = b.sub(b.add(b.dot(b.row(A.node, i), x.node), b.sum(a.node)), b.entry(theta.node, i));
      objective = half(b.mul(residual, residual));
      tensors = [A, theta, x, a];
      break;
    }
  }
  return {
    builder: b,
    dims: [
      { name: 'n', value: N },
      { name: 'd', value: D },
    ],
    consts: [],
    tensors,
    sample: { name: 'i', size: N, batch, node: i },
    objectiveName: `f_${name}`,
    objective,
    solve: solveSpec(b, plugin, schedules),
  };
}

/** The solve block: common defaults, the solver's defaults, and the chosen values of its expression options. */
function solveSpec(b: IRBuilder, plugin: SolverPlugin, schedules: ProblemSchedules): NonNullable<Problem['solve']> {
  const v = Object.fromEntries(SCHEDULE_VARIABLES.map((name) => [name, b.input({ kind: 'hyper', name }, [])])) as unknown as ScheduleVariables;
  const options: Record<string, number | string> = {};
  const expressions: Record<string, Node> = {};
  // Common options are the run loop's, not the step map's: their defaults, as text.
  for (const o of COMMON_SOLVER_OPTIONS) options[o.name] = o.default;
  for (const o of plugin.options) {
    if (o.type !== 'expression') {
      options[o.name] = schedules.values[o.name] ?? o.default;
      continue;
    }
    const schedule = schedules.chosen[o.name] ?? schedules.fallback;
    options[o.name] = schedule.text;
    expressions[o.name] = schedule.build(b, v);
  }
  return { solver: plugin.name, options, expressions };
}
