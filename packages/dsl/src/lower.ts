/**
 * Lowering of a checked file to the core {@link Problem}: one IR input per data, param, var
 * and sample, dims and consts as constants, the objectives' bodies as IR, and the options of
 * the solve blocks as plain values with the solvers' defaults filled in.
 */
import {
  IRBuilder,
  type Attributes,
  type Node,
  type OperatorTable,
  type OptionSpec,
  type OuterSpec,
  type Problem,
  type SampleSymbol,
  type SolveSpec,
  type TensorSymbol,
} from '@sgdiff/core';
import type { Expr } from './ast.ts';
import type { CheckedFile } from './checker.ts';
import type { CheckedOuter } from './check/outer.ts';
import type { CheckedSample } from './check/samples.ts';
import type { CheckedSolve, OptionValue } from './check/solve.ts';
import { parseExpression } from './parse.ts';
import { chooseSurface, type SurfaceChoice } from './check/surfaces.ts';

/**
 * Builds the problem of a checked file.
 * @param checked - the checker's output (so every name resolves and every shape fits)
 * @param source - the file's text, from which expression options are taken verbatim
 * @param operators - the operators and elementwise functions the file may use (the checker's)
 * @category Language
 */
export function lowerFile(checked: CheckedFile, source: string, operators: OperatorTable): Problem {
  const b = new IRBuilder(operators);
  const names = new Map<string, Node>();
  for (const { name, value } of [...checked.dims, ...checked.consts]) names.set(name, b.const(value));
  const nodes = checked.tensors.map((t) => b.input({ kind: t.kind, name: t.name }, t.shape));
  checked.tensors.forEach((t, k) => names.set(t.name, nodes[k]));
  // A value computed from earlier data is kept as IR; the instance evaluates it once per seed.
  const tensors: TensorSymbol[] = checked.tensors.map((t, k) => ({
    ...t,
    init: t.init.kind === 'data-expression' ? { kind: 'expression', node: lowerExpr(t.init.expr, b, names) } : t.init,
    node: nodes[k],
  }));
  const sample = checked.sample && lowerSample(checked.sample, b, names);
  const outer = checked.outer && lowerOuter(checked.outer, b, names);
  return {
    builder: b,
    dims: checked.dims,
    consts: checked.consts,
    tensors,
    sample,
    objectiveName: checked.objective.name,
    objective: lowerExpr(checked.objective.body, b, names),
    solve: checked.solve && lowerSolve(checked.solve, source, b, names),
    report: checked.report,
    outer,
    outerSolve: checked.outerSolve && lowerSolve(checked.outerSolve, source, b, names),
  };
}

/** A sample's `sample` input node (shared by both objectives when both list it), recorded in `names`. */
function lowerSample(sample: CheckedSample, b: IRBuilder, names: Map<string, Node>): SampleSymbol {
  const node = b.input({ kind: 'sample', name: sample.name }, []);
  names.set(sample.name, node);
  return { ...sample, node };
}

/** The upper objective; its body sees its own sample. */
function lowerOuter(outer: CheckedOuter, b: IRBuilder, names: Map<string, Node>): OuterSpec {
  if (outer.kind === 'value') return { kind: 'value' };
  const sample = outer.sample && lowerSample(outer.sample, b, names);
  const node = lowerExpr(outer.body, b, names);
  return sample ? { kind: 'expression', name: outer.name, node, sample } : { kind: 'expression', name: outer.name, node };
}

function lowerExpr(expr: Expr, b: IRBuilder, names: ReadonlyMap<string, Node>): Node {
  const lower = (e: Expr): Node => lowerExpr(e, b, names);
  const operators = b.operators;
  switch (expr.$type) {
    case 'NumberLiteral':
      return b.const(expr.value);
    case 'NameRef': {
      const node = names.get(expr.name);
      if (!node) throw new Error(`internal error: '${expr.name}' was not resolved by the checker`);
      return node;
    }
    case 'UnaryExpr':
      return apply(b, operators.spelled('prefix', expr.op), [lower(expr.operand)], {});
    case 'BinaryExpr':
      return apply(b, operators.spelled('infix', expr.op), [lower(expr.left), lower(expr.right)], {});
    case 'CallExpr': {
      const name = expr.callee.name;
      if (operators.functions.has(name)) return b.map(name, lower(expr.args[0]));
      const candidates = operators.spelled('call', name);
      const params = candidates[0].surface.params;
      // Dims and consts are constants, so a size or an axis lowers to a folded `const` node.
      const constant = (e: Expr): number => lower(e).value as number;
      const attrs: { axis?: number; size?: number } = {};
      for (const arg of expr.namedArgs) if (arg.value.$type !== 'StringLiteral') attrs.axis = constant(arg.value);
      const args: Node[] = [];
      params.forEach((param, k) => {
        if (param.kind === 'size') attrs.size = constant(expr.args[k]);
        else args.push(lower(expr.args[k]));
      });
      return apply(b, candidates, args, attrs);
    }
    case 'IndexExpr':
      // A constant index folds to a `const` node in the builder; a sample index is its input node.
      return apply(b, operators.spelled('index', '[]'), [lower(expr.target), lower(expr.index)], {});
    case 'NewAxisExpr':
      return apply(b, operators.spelled('newaxis', 'newaxis'), [lower(expr.target)], { axis: expr.axis, size: 1 });
  }
}

/** The spelling's operator, chosen by shapes exactly as the checker chose it, applied to `args`. */
function apply(b: IRBuilder, candidates: readonly SurfaceChoice[], args: readonly Node[], attrs: Attributes): Node {
  const chosen = chooseSurface(
    candidates,
    args.map((a) => a.shape),
    attrs,
  );
  if (!('choice' in chosen)) throw new Error(`internal error: the checker accepted an expression whose operator ${chosen.error}`);
  const { record, surface } = chosen.choice;
  return surface.build ? surface.build(b, args, attrs) : b.apply(record.name, args, attrs);
}

/**
 * Option values with defaults filled in. An expression option is kept as its source text and
 * lowered to IR whose free variables (`k`, `mu`, ...) are `hyper` inputs, shadowing any
 * declaration of the same name (as the checker resolves them).
 */
function lowerSolve(solve: CheckedSolve, source: string, b: IRBuilder, names: ReadonlyMap<string, Node>): SolveSpec {
  const options: Record<string, number | string> = {};
  const expressions: Record<string, Node> = {};
  /** The given value, else the default (the conditional one when its condition holds). */
  const valueOf = (spec: OptionSpec): OptionValue => {
    const given = solve.given.get(spec.name);
    if (given !== undefined) return given;
    const when = spec.defaultWhen;
    const other = when && solve.specs.find((s) => s.name === when.option);
    return when && other && String(solve.given.get(other.name) ?? other.default) === when.equals ? when.value : spec.default;
  };
  for (const spec of solve.specs) {
    const value = valueOf(spec);
    if (spec.type !== 'expression') {
      options[spec.name] = value as number | string;
      continue;
    }
    const expr = typeof value === 'object' ? value : parseExpression(String(value));
    options[spec.name] = typeof value === 'object' ? source.slice(value.range.start.offset, value.range.end.offset) : String(value);
    const scope = new Map(names);
    for (const v of spec.variables ?? []) scope.set(v, b.input({ kind: 'hyper', name: v }, []));
    expressions[spec.name] = lowerExpr(expr, b, scope);
  }
  return { solver: solve.solver, options, expressions, given: [...solve.given.keys()] };
}
