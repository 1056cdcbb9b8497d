/**
 * A solver's step map compiled for one problem instance: the state layout (vars, then the
 * solver's own states), the per-iteration inputs (schedules and noise), and three kernels
 * derived from the one IR the solver wrote:
 *
 * - `step`:    s' = mean over the batch of Φ(s, θ; ξ)
 * - `forward`: t' = ∂ₛΦ·t + ∂θΦ·u  (one tangent column; the SGD′ recursion is this with u = e_p)
 * - `reverse`: [∂ₛΦᵀ w, ∂θΦᵀ w]     (one adjoint; w sits in the tangent buffer)
 */
import { compileKernel, type CompiledKernel, type KernelOutput } from '../codegen/compile.ts';
import type { InputLocation } from '../codegen/layout.ts';
import { jvp, vjp } from '../diff/engine.ts';
import { tangentOf } from '../derive/graphs.ts';
import type { DerivativeGraphs } from '../derive/graphs.ts';
import type { Instance } from '../problem/instance.ts';
import type { Node } from '../ir/node.ts';
import { sizeOf, type Shape } from '../ir/shape.ts';
import { splitBySample } from '../ir/split.ts';
import type { PluginRegistry } from '../plugin/registry.ts';
import type { Problem } from '../problem/problem.ts';
import type { SolverPlugin, StepMapContext } from './contract.ts';

/** One slice of the state vector s = (x, solver states). */
export interface StateSlot {
  /** The input node (a var, or a `state` input). */
  readonly node: Node;
  /** The var's or state's name. */
  readonly name: string;
  /** First position in s. */
  readonly offset: number;
  /** Entry count. */
  readonly size: number;
  /** Where its value at k = 0 is read in x₀ (a var's own slice, or the slice of the var a state copies); absent: zeros. */
  readonly initFrom?: number;
  /** The next value Φ gives it. */
  readonly next: Node;
}

/** A per-iteration input of the step map, in the `h` buffer. */
export interface HyperSlot {
  /** `schedule` (an option expression of k, mu, L, kappa) or `noise` (fresh N(0, 1) draws). */
  readonly kind: 'schedule' | 'noise';
  /** The option name (schedule) or the noise's name. */
  readonly name: string;
  /** First position in h. */
  readonly offset: number;
  /** Entry count. */
  readonly size: number;
}

/** A compiled step map. */
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
  /** s' = Φ(s). */
  readonly step: CompiledKernel;
  /** t' = ∂ₛΦ·t + ∂θΦ·u. */
  readonly forward: CompiledKernel;
  /** out = [∂ₛΦᵀ w (stateSize entries), ∂θΦᵀ w (P entries)]. */
  readonly reverse: CompiledKernel;
}

/** Builds the step map of `solver` for `problem` and compiles its kernels over `instance`'s data. */
export function compileStepProgram(
  problem: Problem,
  graphs: DerivativeGraphs,
  instance: Instance,
  solver: SolverPlugin,
  registry: PluginRegistry,
): StepProgram {
  const b = problem.builder;
  const options = problem.solve?.options ?? {};
  const expressions = problem.solve?.expressions ?? {};
  const states: Array<{ node: Node; name: string; copyOf?: Node }> = [];
  const hyperNodes: Array<{ kind: 'schedule' | 'noise'; name: string; node: Node }> = [];
  const schedules = new Map<string, Node>();
  const vars = graphs.vars.entries.map((e) => e.symbol.node);
  const ctx: StepMapContext = {
    builder: b,
    problem,
    vars,
    gradient: graphs.gradX,
    options,
    schedule(option) {
      const expression = expressions[option];
      if (!expression) throw new Error(`solver '${solver.name}' asks for the schedule '${option}', which is not an expression option`);
      schedules.set(option, expression);
      return hyper('schedule', option, []);
    },
    noise: (name, shape) => hyper('noise', name, shape),
    state(name, like, init) {
      const node = b.input({ kind: 'state', name }, like.shape);
      if (!states.some((s) => s.name === name)) states.push({ node, name, copyOf: init === 'copy' ? like : undefined });
      return node;
    },
  };
  function hyper(kind: 'schedule' | 'noise', name: string, shape: Shape): Node {
    const node = b.input({ kind: 'hyper', name: `${kind}:${name}` }, shape);
    if (!hyperNodes.some((h) => h.node === node)) hyperNodes.push({ kind, name, node });
    return node;
  }
  const map = solver.stepMap(ctx);
  if (map.next.length !== vars.length) throw new Error(`solver '${solver.name}' gave ${map.next.length} next values for ${vars.length} vars`);
  const slots: StateSlot[] = [];
  let offset = 0;
  const addSlot = (node: Node, name: string, initFrom: number | undefined, next: Node | undefined): void => {
    if (!next) throw new Error(`solver '${solver.name}' gave no next value for its state '${name}'`);
    if (next.shape.join() !== node.shape.join()) throw new Error(`solver '${solver.name}': the next value of '${name}' has the wrong shape`);
    slots.push({ node, name, offset, size: sizeOf(node.shape), initFrom, next });
    offset += sizeOf(node.shape);
  };
  vars.forEach((v, k) => addSlot(v, graphs.vars.entries[k].name, graphs.vars.entries[k].offset, map.next[k]));
  const varOffset = (v: Node): number => graphs.vars.entries[vars.indexOf(v)].offset;
  for (const s of states) addSlot(s.node, s.name, s.copyOf && varOffset(s.copyOf), map.states?.[s.name]);
  const stateSize = offset;
  const hypers: HyperSlot[] = [];
  let hyperOffset = 0;
  for (const h of hyperNodes) {
    hypers.push({ kind: h.kind, name: h.name, offset: hyperOffset, size: sizeOf(h.node.shape) });
    hyperOffset += sizeOf(h.node.shape);
  }

  const params = graphs.params.entries.map((e) => e.symbol.node);
  const nexts = slots.map((s) => s.next);
  const seeds = new Map<Node, Node>([...slots.map((s) => [s.node, tangentOf(problem, s.node)] as [Node, Node]), ...params.map((p) => [p, tangentOf(problem, p)] as [Node, Node])]);
  const tangents = jvp(b, registry.rules, nexts, seeds);
  // ⟨Φ(s), w⟩ with w the state tangent input: its gradient is the adjoint step.
  const pairing = slots.reduce<Node>((acc, s) => b.add(acc, b.dot(s.next, tangentOf(problem, s.node))), b.const(0));
  const adjoints = vjp(b, registry.rules, pairing, [...slots.map((s) => s.node), ...params]);

  const output = (node: Node | null, size: number, at: number): KernelOutput =>
    node ? { ...splitBySample(b, node), size, offset: at } : { fixed: null, sampled: null, size, offset: at };
  const locate = locator(problem, graphs, instance, slots, hypers);
  const compile = (outs: KernelOutput[]): CompiledKernel => compileKernel(outs, locate, registry.functions);
  return {
    solver,
    slots,
    stateSize,
    hypers,
    hyperSize: hyperOffset,
    schedules,
    step: compile(slots.map((s) => output(s.next, s.size, s.offset))),
    forward: compile(slots.map((s, k) => output(tangents[k], s.size, s.offset))),
    reverse: compile([
      ...slots.map((s, k) => output(adjoints[k], s.size, s.offset)),
      ...graphs.params.entries.map((e, k) => output(adjoints[slots.length + k], e.size, stateSize + e.offset)),
    ]),
  };
}

function locator(problem: Problem, graphs: DerivativeGraphs, instance: Instance, slots: readonly StateSlot[], hypers: readonly HyperSlot[]) {
  const slotOf = new Map(slots.map((s) => [`${s.node.input?.kind}:${s.node.input?.name}`, s]));
  const paramOf = new Map(graphs.params.entries.map((e) => [`param:${e.name}`, e]));
  const hyperOf = new Map(hypers.map((h) => [`${h.kind}:${h.name}`, h]));
  return (node: Node): InputLocation => {
    const ref = node.input;
    if (!ref) throw new Error(`node ${node.op} is not an input`);
    const key = `${ref.kind}:${ref.name}`;
    switch (ref.kind) {
      case 'sample':
        return { kind: 'sample' };
      case 'data':
        return { kind: 'data', values: instance.values.get(ref.name) as Float64Array };
      case 'var':
      case 'state': {
        const slot = slotOf.get(key);
        if (slot) return { kind: 'buffer', buffer: 'x', offset: slot.offset };
        break;
      }
      case 'param': {
        const entry = paramOf.get(key);
        if (entry) return { kind: 'buffer', buffer: 'th', offset: entry.offset };
        break;
      }
      case 'tangent': {
        const slot = slotOf.get(ref.name);
        if (slot) return { kind: 'buffer', buffer: 't', offset: slot.offset };
        const entry = paramOf.get(ref.name);
        if (entry) return { kind: 'buffer', buffer: 'u', offset: entry.offset };
        break;
      }
      case 'hyper': {
        const slot = hyperOf.get(ref.name);
        if (slot) return { kind: 'buffer', buffer: 'h', offset: slot.offset };
        break;
      }
    }
    throw new Error(`the step map of ${problem.objectiveName} reads an unknown input ${key}`);
  };
}
