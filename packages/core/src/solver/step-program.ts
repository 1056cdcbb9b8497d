/**
 * A solver's step map compiled for one problem instance: the state layout (vars, then the
 * solver's own states), the per-iteration inputs (schedules, noise, the iteration counter), the
 * reported quantities, and the kernels derived from the one IR the solver wrote:
 *
 * - `step`:    s' = mean over the batch of Φ(s, θ; ξ)
 * - `forward`: t' = ∂ₛΦ·t + ∂θΦ·u  (one tangent column; the SGD′ recursion is this with u = e_p),
 *   with its all-directions variant (every column of a range of directions in one call)
 * - `reverse`: [∂ₛΦᵀ w, ∂θΦᵀ w]     (one adjoint; w sits in the tangent buffer)
 * - `adjoint`: λ' = ∂ₛΦᵀ λ, g += ∂θΦᵀ λ (the reverse sweep's fused step: λ in `t`, λ' into
 *              `out`, g in `u`, added in place)
 * - `init`, `initForward`, `initReverse`: s₀ = I(x₀, θ), ∂θI·u and ∂θIᵀ w (the states' starts)
 * - `report`, `reportForward`, `reportReverse`: R(s, θ), ∂ₛR·t + ∂θR·u and [∂ₛRᵀ w, ∂θRᵀ w]
 */
import { compileKernel, type CompiledKernel, type CompileOptions, type KernelOutput } from '../codegen/compile.ts';
import { jvp, vjp } from '../diff/engine.ts';
import { tangentOf } from '../derive/graphs.ts';
import type { DerivativeGraphs } from '../derive/graphs.ts';
import { inputResolver } from '../derive/input-resolver.ts';
import { IRShapeError, type IRBuilder } from '../ir/builder.ts';
import { inputKey, topologicalOrder, type Node } from '../ir/node.ts';
import { formatShape, sizeOf, type Shape } from '../ir/shape.ts';
import { splitBySample } from '../ir/split.ts';
import type { PluginRegistry } from '../plugin/registry.ts';
import type { Instance } from '../problem/instance.ts';
import type { Problem } from '../problem/problem.ts';
import type { SolverPlugin, StepMapContext } from './contract.ts';
import { isGradientStep } from './gradient-step.ts';
import { readsInput, substituteInputs } from './substitute.ts';
import { SolverInputError } from './input-error.ts';

/**
 * One slice of the state vector s = (x, solver states).
 * @category Solvers and tracking
 */
export interface StateSlot {
  /** The input node (a var, or a `state` input). */
  readonly node: Node;
  /** The var's or state's name. */
  readonly name: string;
  /** First position in s. */
  readonly offset: number;
  /** Entry count. */
  readonly size: number;
  /** Where its start is read in x₀ when it is a var's start (a var, or a `copy` state); absent otherwise. */
  readonly initFrom?: number;
  /** Its value at k = 0, an expression of x₀, θ, data and constants (a var: the var itself, read as x₀). */
  readonly init: Node;
  /** The next value Φ gives it. */
  readonly next: Node;
}

/**
 * A per-iteration input of the step map, in the `h` buffer.
 * @category Solvers and tracking
 */
export interface HyperSlot {
  /** `schedule` (an option expression of k, mu, L, kappa), `noise` (fresh N(0, 1) draws) or `iteration` (k itself). */
  readonly kind: 'schedule' | 'noise' | 'iteration';
  /** The option name (schedule), the noise's name, or `k`. */
  readonly name: string;
  /** First position in h. */
  readonly offset: number;
  /** Entry count. */
  readonly size: number;
}

/**
 * One quantity the solver reports (a `report` node of its step map).
 * @category Solvers and tracking
 */
export interface ReportSlot {
  /** The name the solver gave it. */
  readonly name: string;
  /** Its expression of the state, θ, data and per-iteration inputs. */
  readonly node: Node;
  /** First position in the report vector. */
  readonly offset: number;
  /** Entry count. */
  readonly size: number;
}

/**
 * A compiled step map.
 * @category Solvers and tracking
 */
export interface StepProgram {
  /** The solver it came from. */
  readonly solver: SolverPlugin;
  /** Slices of s, vars first (so s[0..D) is x). */
  readonly slots: readonly StateSlot[];
  /** Length of s. */
  readonly stateSize: number;
  /** Per-iteration inputs. */
  readonly hypers: readonly HyperSlot[];
  /** Length of h. */
  readonly hyperSize: number;
  /** The schedule expressions (scalar IR over `hyper` inputs k, mu, L, kappa), by option. */
  readonly schedules: ReadonlyMap<string, Node>;
  /** The reported quantities, in declaration order. */
  readonly reports: readonly ReportSlot[];
  /** Length of the report vector. */
  readonly reportSize: number;
  /**
   * True when the map is a plain gradient step x − a∇ₓf (+ θ-free noise) with no state: its
   * fixed points are those of ∇ₓF = 0, and implicit differentiation uses the Hessian. Otherwise
   * it goes through the map's own fixed point, (I − ∂ₛΦ)J = ∂θΦ.
   */
  readonly gradientStep: boolean;
  /** True when some state's start depends on θ (∂θs₀ ≠ 0). */
  readonly initDependsOnTheta: boolean;
  /** s' = Φ(s). */
  readonly step: CompiledKernel;
  /** t' = ∂ₛΦ·t + ∂θΦ·u, with `directions`: columns [from, to) of ∂θs in one call (u = e_p for column p). */
  readonly forward: CompiledKernel;
  /** out = [∂ₛΦᵀ w (stateSize entries), ∂θΦᵀ w (P entries)]. */
  readonly reverse: CompiledKernel;
  /**
   * One step of the reverse sweep in one call: out = ∂ₛΦᵀ λ (stateSize entries) for λ in `t`, and
   * ∂θΦᵀ λ added into `u` (P entries, the gradient being accumulated) term by term.
   */
  readonly adjoint: CompiledKernel;
  /**
   * Whether the adjoint step reads the state s. False when Φ is affine in s (a gradient step on
   * a quadratic): ∂ₛΦ and ∂θΦ are then the same at every iterate and the reverse tape stores none.
   */
  readonly adjointReadsState: boolean;
  /** s₀ = I(x₀, θ): x₀ in the `x` buffer (D entries), out stateSize entries. */
  readonly init: CompiledKernel;
  /** ∂θs₀·u (x₀ in `x`; stateSize entries). The vars' own starts do not depend on θ. */
  readonly initForward: CompiledKernel;
  /** ∂θs₀ᵀ w (x₀ in `x`, w in `t`; P entries). */
  readonly initReverse: CompiledKernel;
  /** R(s): reportSize entries. */
  readonly report: CompiledKernel;
  /** ∂ₛR·t + ∂θR·u: reportSize entries. */
  readonly reportForward: CompiledKernel;
  /** [∂ₛRᵀ w, ∂θRᵀ w] for w (reportSize entries) in `t`: stateSize + P entries. */
  readonly reportReverse: CompiledKernel;
}

/** Inputs a state's start may not read: it is computed once, before any iteration. */
const NOT_IN_INIT: ReadonlySet<string> = new Set(['state', 'sample', 'hyper', 'tangent']);
/** Inputs a report may not read: it is a function of the state, not of a draw. */
const NOT_IN_REPORT: ReadonlySet<string> = new Set(['sample', 'tangent']);

interface DeclaredState {
  readonly node: Node;
  readonly name: string;
  readonly init: Node;
  readonly copyOf?: Node;
}

/**
 * Builds the step map of `solver` for `problem` and compiles its kernels over `instance`'s data.
 * @category Solvers and tracking
 */
export function compileStepProgram(
  problem: Problem,
  graphs: DerivativeGraphs,
  instance: Instance,
  solver: SolverPlugin,
  registry: PluginRegistry,
): StepProgram {
  const b = problem.builder;
  const vars = graphs.vars.entries.map((e) => e.symbol.node);
  const problems = solver.checkInstance?.(problem, instance.values) ?? [];
  if (problems.length > 0) {
    throw new SolverInputError(problems.map((p) => (typeof p === 'string' ? { message: `solve ${solver.name}: ${p}` } : { ...p, message: `solve ${solver.name}: ${p.message}` })));
  }
  const { ctx, states, hyperNodes, schedules } = stepMapContext(problem, graphs, solver, vars);
  const map = solver.stepMap(ctx);
  const fail = (message: string): never => {
    throw new Error(`solver '${solver.name}': ${message}`);
  };
  if (map.next.length !== vars.length) fail(`gave ${map.next.length} next values for ${vars.length} vars`);

  const slots: StateSlot[] = [];
  let offset = 0;
  const addSlot = (node: Node, name: string, init: Node, initFrom: number | undefined, next: Node | undefined): void => {
    if (!next) return fail(`gave no next value for its state '${name}'`);
    if (next.shape.join() !== node.shape.join()) fail(`the next value of '${name}' is ${formatShape(next.shape)}, not ${formatShape(node.shape)}`);
    slots.push({ node, name, offset, size: sizeOf(node.shape), init, initFrom, next });
    offset += sizeOf(node.shape);
  };
  vars.forEach((v, k) => addSlot(v, graphs.vars.entries[k].name, v, graphs.vars.entries[k].offset, map.next[k]));
  const varOffset = (v: Node): number => graphs.vars.entries[vars.indexOf(v)].offset;
  for (const s of states) addSlot(s.node, s.name, s.init, s.copyOf && varOffset(s.copyOf), map.states?.[s.name]);
  const stateSize = offset;

  const hypers: HyperSlot[] = [];
  let hyperOffset = 0;
  for (const h of hyperNodes) {
    hypers.push({ kind: h.kind, name: h.name, offset: hyperOffset, size: sizeOf(h.node.shape) });
    hyperOffset += sizeOf(h.node.shape);
  }

  const reports: ReportSlot[] = [];
  let reportOffset = 0;
  for (const [name, node] of Object.entries(map.reports ?? {})) {
    if (readsInput(node, NOT_IN_REPORT)) fail(`the report '${name}' reads the sample; a report is a function of the state`);
    if (vars.some((v) => v.input?.name === name)) fail(`the report '${name}' has the name of a var`);
    reports.push({ name, node, offset: reportOffset, size: sizeOf(node.shape) });
    reportOffset += sizeOf(node.shape);
  }

  const params = graphs.params.entries.map((e) => e.symbol.node);
  const paramTangents = params.map((p) => tangentOf(problem, p));
  const stateTangents = slots.map((s) => tangentOf(problem, s.node));
  const seeds = new Map<Node, Node>([...slots.map((s, k) => [s.node, stateTangents[k]] as [Node, Node]), ...params.map((p, k) => [p, paramTangents[k]] as [Node, Node])]);
  const paramSeeds = new Map<Node, Node>(params.map((p, k) => [p, paramTangents[k]]));
  const pair = (nodes: readonly Node[], directions: readonly Node[]): Node => nodes.reduce<Node>((acc, n, k) => b.add(acc, b.dot(n, directions[k])), b.const(0));
  const reportTangents = reports.map((r) => b.input({ kind: 'tangent', name: `report:${r.name}` }, r.node.shape));

  const nexts = slots.map((s) => s.next);
  const inits = slots.map((s) => s.init);
  const tangents = jvp(b, registry.rules, nexts, seeds);
  // ⟨Φ(s), w⟩ with w the state tangent input: its gradient is the adjoint step.
  const adjoints = vjp(b, registry.rules, pair(nexts, stateTangents), [...slots.map((s) => s.node), ...params]);
  const initTangents = jvp(b, registry.rules, inits, paramSeeds);
  const initAdjoints = vjp(b, registry.rules, pair(inits, stateTangents), params);
  const reportNodes = reports.map((r) => r.node);
  const reportTangentNodes = jvp(b, registry.rules, reportNodes, seeds);
  const reportAdjoints = vjp(b, registry.rules, pair(reportNodes, reportTangents), [...slots.map((s) => s.node), ...params]);

  const output = (node: Node | null, size: number, at: number): KernelOutput =>
    node ? { ...splitBySample(b, node), size, offset: at } : { fixed: null, sampled: null, size, offset: at };
  const owner = `the step map of solver '${solver.name}' on ${problem.objectiveName}`;
  const paramOffsets = new Map(graphs.params.entries.map((e) => [`param:${e.name}`, e.offset]));
  const resolve = inputResolver(owner, instance, {
    state: new Map([...slots.map((s) => [inputKey(s.node.input!), s.offset] as [string, number]), ...reports.map((r) => [`report:${r.name}`, r.offset] as [string, number])]),
    params: paramOffsets,
    hypers: new Map(hypers.map((h) => [`hyper:${h.kind}:${h.name}`, h.offset])),
  });
  const resolveInit = inputResolver(`the state starts of solver '${solver.name}'`, instance, {
    state: new Map(graphs.vars.entries.map((e) => [`var:${e.name}`, e.offset])),
    params: paramOffsets,
  });
  // The start's adjoint reads w in `t` at the state offsets.
  const resolveInitAdjoint = inputResolver(`the state starts of solver '${solver.name}'`, instance, {
    state: new Map([...graphs.vars.entries.map((e) => [`var:${e.name}`, e.offset] as [string, number]), ...slots.map((s) => [inputKey(s.node.input!), s.offset] as [string, number])]),
    params: paramOffsets,
  });
  const compile = (outs: KernelOutput[], locate = resolve, options: CompileOptions = {}): CompiledKernel => compileKernel(outs, locate, registry.functions, options);
  const paramOutputs = (nodes: readonly (Node | null)[], at: number): KernelOutput[] => graphs.params.entries.map((e, k) => output(nodes[k], e.size, at + e.offset));
  return {
    solver,
    slots,
    stateSize,
    hypers,
    hyperSize: hyperOffset,
    schedules,
    reports,
    reportSize: reportOffset,
    gradientStep: states.length === 0 && isGradientStep(vars, map.next, graphs.gradX),
    initDependsOnTheta: initTangents.some((t) => t !== null),
    step: compile(slots.map((s) => output(s.next, s.size, s.offset))),
    forward: compile(
      slots.map((s, k) => output(tangents[k], s.size, s.offset)),
      resolve,
      { directions: { column: stateSize } },
    ),
    reverse: compile([...slots.map((s, k) => output(adjoints[k], s.size, s.offset)), ...paramOutputs(adjoints.slice(slots.length), stateSize)]),
    adjoint: compile([
      ...slots.map((s, k) => output(adjoints[k], s.size, s.offset)),
      ...paramOutputs(adjoints.slice(slots.length), 0).map((o): KernelOutput => ({ ...o, into: 'u', accumulate: true })),
    ]),
    adjointReadsState: readsAny(adjoints, new Set(slots.map((s) => s.node))),
    init: compile(
      slots.map((s) => output(s.init, s.size, s.offset)),
      resolveInit,
    ),
    initForward: compile(
      slots.map((s, k) => output(initTangents[k], s.size, s.offset)),
      resolveInit,
    ),
    initReverse: compile(paramOutputs(initAdjoints, 0), resolveInitAdjoint),
    report: compile(reports.map((r) => output(r.node, r.size, r.offset))),
    reportForward: compile(reports.map((r, k) => output(reportTangentNodes[k], r.size, r.offset))),
    reportReverse: compile([...slots.map((s, k) => output(reportAdjoints[k], s.size, s.offset)), ...paramOutputs(reportAdjoints.slice(slots.length), stateSize)]),
  };
}

/** The context a solver builds its step map with, and what it records of the solver's requests. */
function stepMapContext(problem: Problem, graphs: DerivativeGraphs, solver: SolverPlugin, vars: readonly Node[]) {
  const b: IRBuilder = problem.builder;
  const options = problem.solve?.options ?? {};
  const expressions = problem.solve?.expressions ?? {};
  const states: DeclaredState[] = [];
  const hyperNodes: Array<{ kind: HyperSlot['kind']; name: string; node: Node }> = [];
  const schedules = new Map<string, Node>();
  const fail = (message: string): never => {
    throw new Error(`solver '${solver.name}': ${message}`);
  };
  const hyper = (kind: HyperSlot['kind'], name: string, shape: Shape): Node => {
    const node = b.input({ kind: 'hyper', name: `${kind}:${name}` }, shape);
    if (!hyperNodes.some((h) => h.node === node)) hyperNodes.push({ kind, name, node });
    return node;
  };
  function state(name: string, shapeOrLike: Node | Shape, init: Node | 'copy' | 'zero'): Node {
    const like = isNode(shapeOrLike) ? shapeOrLike : undefined;
    const shape = like ? like.shape : (shapeOrLike as Shape);
    let node: Node;
    try {
      node = b.input({ kind: 'state', name }, shape);
    } catch (error) {
      if (!(error instanceof IRShapeError)) throw error;
      return fail(`the state '${name}' is declared with two shapes (${error.message}); use one name per shape`);
    }
    if (states.some((s) => s.name === name)) return node;
    if (typeof init === 'string') {
      if (!like || !vars.includes(like)) fail(`the state '${name}' is declared '${init}' of something that is not a var`);
      states.push({ node, name, init: init === 'copy' ? (like as Node) : b.zeros(shape), copyOf: init === 'copy' ? like : undefined });
      return node;
    }
    if (init.shape.join() !== shape.join()) fail(`the start of the state '${name}' is ${formatShape(init.shape)}, not ${formatShape(shape)}`);
    if (readsInput(init, NOT_IN_INIT)) fail(`the start of the state '${name}' reads a state, the sample, a schedule or noise; it may read x₀, θ, data and constants`);
    states.push({ node, name, init });
    return node;
  }
  const ctx: StepMapContext = {
    builder: b,
    problem,
    vars,
    gradient: graphs.gradX,
    options,
    schedule(option) {
      const expression = expressions[option];
      if (!expression) fail(`asks for the schedule '${option}', which is not an expression option`);
      schedules.set(option, expression);
      return hyper('schedule', option, []);
    },
    noise: (name, shape) => hyper('noise', name, shape),
    state: state as StepMapContext['state'],
    gradientAt(point) {
      if (point.length !== vars.length) fail(`gradientAt got ${point.length} points for ${vars.length} vars`);
      point.forEach((p, k) => p.shape.join() !== vars[k].shape.join() && fail(`gradientAt: the point for '${vars[k].input?.name}' is ${formatShape(p.shape)}, not ${formatShape(vars[k].shape)}`));
      const present = graphs.gradX.filter((g): g is Node => g !== null);
      const moved = substituteInputs(b, present, new Map(vars.map((v, k) => [v, point[k]])));
      let next = 0;
      return graphs.gradX.map((g) => (g ? moved[next++] : null));
    },
    iteration: () => hyper('iteration', 'k', []),
  };
  return { ctx, states, hyperNodes, schedules };
}

/** Whether any of `roots` reads one of `inputs`. */
function readsAny(roots: readonly (Node | null)[], inputs: ReadonlySet<Node>): boolean {
  return topologicalOrder(roots.filter((r): r is Node => r !== null)).some((n) => inputs.has(n));
}

function isNode(value: Node | Shape): value is Node {
  return !Array.isArray(value) && typeof (value as Node).op === 'string';
}
