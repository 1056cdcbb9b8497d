/** Options every solver accepts, handled by the framework's run loop rather than by the solver. */
import { DEFAULT_RUN_BACKEND } from '../codegen/backend.ts';
import { ESTIMATORS } from '../hyper/estimators.ts';
import { DEFAULT_SID_TOLERANCE, SID_DECREASING_STEP } from '../hyper/sid.ts';
import type { OptionSpec } from '../plugin/options.ts';
import { DEFAULT_REFERENCE_BUDGET_MIB, REFERENCE_MODES } from '../reference/mode.ts';

/**
 * The variables a step-size (or other schedule) expression may use: the iteration k (from 0),
 * μ and L (extreme eigenvalues of ∇²ₓₓF at x₀), κ = L/μ, and q = (κ − 1)/(κ + 1), the
 * contraction factor of a gradient step of size 2/(L + μ).
 * @category Solvers and tracking
 */
export const SCHEDULE_VARIABLES: readonly string[] = ['k', 'mu', 'L', 'kappa', 'q'];

/**
 * `iterations`, `track`, `checkpoint`, `backend`, `threads`, `linear_solver`, `reference`, `reference_budget`, and the hypergradient options (`estimator`, `sid_*`).
 * @category Solvers and tracking
 */
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
    name: 'backend',
    type: 'enum',
    default: DEFAULT_RUN_BACKEND,
    values: ['js', 'wasm', 'auto'],
    doc: 'Kernel code: JavaScript (js), WebAssembly with 128-bit SIMD (wasm), or auto, the default: wasm where the runtime has WebAssembly SIMD and the problem fits comfortably in WebAssembly memory, js elsewhere. The two agree to 1e-12 relative (sums are added in another order); the same as --backend.',
  },
  {
    name: 'threads',
    type: 'integer',
    default: 0,
    min: 0,
    max: 2,
    doc: 'Forward tracking on wasm: 1 thread, 2 (the θ-directions of each step split with a worker thread sharing the run memory; the same bits as 1), or 0 (auto: 2 when P times the forward kernel\'s work per column reaches FORWARD_THREADS_THRESHOLD, on a machine with two cores, outside worker threads).',
  },
  {
    name: 'linear_solver',
    type: 'enum',
    default: 'direct',
    values: ['direct', 'cg'],
    doc: 'Implicit tracking: a dense Cholesky solve (ml-matrix) or conjugate gradients on Hessian–vector products (the Hessian is never formed).',
  },
  {
    name: 'reference',
    type: 'enum',
    default: 'automatic',
    values: REFERENCE_MODES,
    doc: 'What the metrics compare against: exact (dense Hessian: Newton, eigendecomposition, ∂θx* by a direct solve), iterative (Newton–CG and Lanczos on Hessian–vector products, ∂θx* only as products), none (μ, L at x₀ only; metrics that need x* are left out), or automatic (exact while 32·D² bytes fit reference_budget, iterative above).',
  },
  {
    name: 'reference_budget',
    type: 'integer',
    default: DEFAULT_REFERENCE_BUDGET_MIB,
    min: 1,
    max: 1e9,
    doc: 'MiB the exact reference may use (its dense Hessian and factorization take 32·D² bytes); reference = automatic picks exact within it, and reference = exact over it is an error.',
  },
  {
    name: 'estimator',
    type: 'enums',
    default: 'implicit',
    values: ESTIMATORS,
    doc: 'With an outer objective: the hypergradient estimators to compute and compare — analytic (g1 = ∇θF(x_t), value function only), automatic (g2, through the iterations; needs track = forward or reverse), implicit (g3, a linear solve at x_t), sid (stochastic implicit differentiation).',
  },
  {
    name: 'sid_iterations',
    type: 'integer',
    default: 0,
    min: 0,
    max: 1e9,
    doc: 'SID: steps of the stochastic fixed-point solver of its linear system (0: derived from κ and sid_tolerance, ⌈ln ε / ln q⌉ with sid_sampling = full, ⌈20/((1 − q²) ε²)⌉ on minibatches, at most 10⁶).',
  },
  {
    name: 'sid_tolerance',
    type: 'number',
    default: DEFAULT_SID_TOLERANCE,
    min: 1e-12,
    max: 1,
    doc: 'SID: the target relative accuracy ε of its linear system, used by the derived sid_iterations and checked afterwards: a warning gives the relative distance of the SID estimate to the hypergradient of an exact solve at the same iterate when it exceeds ε.',
  },
  {
    name: 'sid_step',
    type: 'expression',
    default: SID_DECREASING_STEP,
    defaultWhen: { option: 'sid_sampling', equals: 'full', value: '1' },
    variables: SCHEDULE_VARIABLES,
    doc: 'SID: the relaxation η_k of its fixed-point steps. When not given: 1 with sid_sampling = full (linear rate), else β / (γ + k) with β = 2/(1 − q²), γ = 10β (a constant step stalls at the minibatch noise).',
  },
  {
    name: 'sid_batch',
    type: 'integer',
    default: 0,
    min: 0,
    max: 1e6,
    doc: "SID: the minibatch size of its stochastic Hessian products (0: the batch of the lower level's sample).",
  },
  {
    name: 'sid_sampling',
    type: 'enum',
    default: 'stochastic',
    values: ['stochastic', 'full'],
    doc: "SID: Hessian products on a fresh minibatch of the lower level's sample at every step (stochastic), or exact over every outcome (full: the deterministic fixed-point iteration, AID-FP).",
  },
  {
    name: 'sid_alpha',
    type: 'expression',
    default: '2 / (L + mu)',
    variables: SCHEDULE_VARIABLES,
    doc: 'SID: the step α of the map Φ(x) = x − α∇ₓF whose linear system it solves (evaluated once, at k = 0).',
  },
];
