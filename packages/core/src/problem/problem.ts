/**
 * The lowered problem: what the DSL hands to the core. Everything here is resolved
 * (numbers, shapes, IR nodes); no source text is needed past this point, except the
 * names used to report results back to the user.
 */
import type { Node } from '../ir/node.ts';
import type { IRBuilder } from '../ir/builder.ts';
import type { Shape } from '../ir/shape.ts';

/**
 * How a data, param or var tensor gets its value.
 * @category Problems and references
 */
export type TensorInit =
  /** Every entry drawn from N(mean, sd²). */
  | { readonly kind: 'normal'; readonly mean: number; readonly sd: number }
  /** Every entry drawn from U[lo, hi). */
  | { readonly kind: 'uniform'; readonly lo: number; readonly hi: number }
  /** `r` entries at uniformly chosen distinct positions drawn from N(0, sd²), the others 0. */
  | { readonly kind: 'sparse_normal'; readonly r: number; readonly sd: number }
  /** Every entry equal to `value`. */
  | { readonly kind: 'constant'; readonly value: number }
  /** Computed from earlier data tensors, dims and consts (a scalar result is broadcast). */
  | { readonly kind: 'expression'; readonly node: Node }
  /** Read from a data-source plugin with the given named arguments. */
  | { readonly kind: 'source'; readonly source: string; readonly args: Readonly<Record<string, number | string>> };

/**
 * A declared tensor: data, param (θ) or var (x).
 * @category Problems and references
 */
export interface TensorSymbol {
  /** `data`, `param` or `var`. */
  readonly kind: 'data' | 'param' | 'var';
  /** The name written in the file. */
  readonly name: string;
  /** Static shape. */
  readonly shape: Shape;
  /** How its value is obtained. */
  readonly init: TensorInit;
  /** The IR input node standing for it. */
  readonly node: Node;
}

/**
 * The sample ξ: an index drawn uniformly from `0..size-1`, `batch` at a time.
 * @category Problems and references
 */
export interface SampleSymbol {
  /** The name written in the file. */
  readonly name: string;
  /** Number of equally likely outcomes; F is the mean of f over them. */
  readonly size: number;
  /** Minibatch size used by stochastic solvers (1 when not given). */
  readonly batch: number;
  /** The IR input node (an integer scalar) standing for it. */
  readonly node: Node;
}

/**
 * A checked `solve` block: option values already validated against the solver's declarations.
 * @category Problems and references
 */
export interface SolveSpec {
  /** The solver plugin's name. */
  readonly solver: string;
  /** Every declared option, given or defaulted: numbers, enum identifiers, `enums` lists joined by `,`, or expression source text. */
  readonly options: Readonly<Record<string, number | string>>;
  /** Every `expression` option as scalar IR; its variables (`k`, `mu`, ...) are `hyper` inputs named after them. */
  readonly expressions: Readonly<Record<string, Node>>;
  /** The keys written in the block (the others hold their defaults); absent: not known, treat every key as given. */
  readonly given?: readonly string[];
}

/**
 * A checked `report` line.
 * @category Problems and references
 */
export interface ReportSpec {
  /** Number of log-spaced report points. */
  readonly logPoints: number;
  /** Metric names, in the order written. */
  readonly metrics: readonly string[];
}

/**
 * The upper-level objective of a hypergradient problem (`outer` in the language): the θ whose
 * gradient ∇ℓ(θ) = ∇θE(x*, θ) + (∂θx*)ᵀ∇ₓE(x*, θ) is estimated, where x* = argmin_x F(x, θ).
 * @category Problems and references
 */
export type OuterSpec =
  /** `outer value`: the value function ℓ(θ) = min_x F(x, θ), i.e. E = F (so ∇ℓ = ∇θF at x*). */
  | { readonly kind: 'value' }
  /**
   * `outer E(x, θ; j) = body`: ℓ(θ) = E(x*(θ), θ) with E(x, θ) = E_j e(x, θ; j), the mean of
   * `node` over the outcomes of `sample` (E = e when there is none).
   */
  | {
      readonly kind: 'expression';
      /** The upper objective's name as written (`E`). */
      readonly name: string;
      /** The per-sample upper objective e(x, θ; j) as a scalar IR node, built with the problem's builder. */
      readonly node: Node;
      /** The upper objective's own sample (its input node has kind `'sample'`); may be the lower sample itself. */
      readonly sample?: SampleSymbol;
    };

/**
 * A whole problem, lowered to IR.
 * @category Problems and references
 */
export interface Problem {
  /** The builder that owns every node of this problem (derivatives must be built with it). */
  readonly builder: IRBuilder;
  /** Integer dims, in declaration order. */
  readonly dims: ReadonlyArray<{ readonly name: string; readonly value: number }>;
  /** Scalar constants, in declaration order. */
  readonly consts: ReadonlyArray<{ readonly name: string; readonly value: number }>;
  /** Data, params and vars, in declaration order. */
  readonly tensors: readonly TensorSymbol[];
  /** The sample, when the objective is an expectation over one. */
  readonly sample?: SampleSymbol;
  /** The objective's name as written (`f`). */
  readonly objectiveName: string;
  /** The per-sample objective f(x, θ; ξ) as a scalar IR node. F is its mean over the sample. */
  readonly objective: Node;
  /** The solve block, when present. */
  readonly solve?: SolveSpec;
  /** The report line, when present. */
  readonly report?: ReportSpec;
  /** The upper-level objective, when the file declares `outer`; {@link Problem.sample} stays the lower level's sample. */
  readonly outer?: OuterSpec;
  /** The `outer_solve` block (the loop on θ), when present; only with an {@link Problem.outer} objective. */
  readonly outerSolve?: SolveSpec;
}
