/** Options every solver accepts, handled by the framework's run loop rather than by the solver. */
import type { OptionSpec } from '../plugin/options.ts';

/** The variables a step-size (or other schedule) expression may use. */
export const SCHEDULE_VARIABLES: readonly string[] = ['k', 'mu', 'L', 'kappa'];

/** `iterations`, `track`, `checkpoint` and `linear_solver`. */
export const COMMON_SOLVER_OPTIONS: readonly OptionSpec[] = [
  { name: 'iterations', type: 'integer', default: 1000, min: 1, max: 1e9, doc: 'Number of steps; the iterates are x_0, ..., x_iterations.' },
  {
    name: 'track',
    type: 'enum',
    default: 'none',
    values: ['none', 'forward', 'reverse', 'implicit'],
    doc: 'Derivative tracking of ∂θx_k: forward (the SGD′ recursion J_{k+1} = ∂ₓΦ·J_k + ∂θΦ), reverse (adjoints back through the stored iterates, at the last iterate), implicit (solve ∇²ₓₓF·J = −∇²ₓθF at the iterate), or none.',
  },
  {
    name: 'checkpoint',
    type: 'enum',
    default: 'none',
    values: ['none', 'sqrt'],
    doc: 'Reverse mode storage: none keeps every iterate (memory O(t)); sqrt keeps ⌈√t⌉ checkpoints and recomputes each segment (memory O(√t), one extra forward pass).',
  },
  {
    name: 'linear_solver',
    type: 'enum',
    default: 'direct',
    values: ['direct', 'cg'],
    doc: 'Implicit tracking: a dense Cholesky solve (ml-matrix) or conjugate gradients on Hessian–vector products (the Hessian is never formed).',
  },
];
