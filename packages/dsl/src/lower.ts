/**
 * Lowering of a checked file to the core {@link Problem}: one IR input per data, param, var
 * and sample, dims and consts as constants, the objectives' bodies as IR, and the options of
 * the solve blocks as plain values with the solvers' defaults filled in.
 */
import {
  IRBuilder,
  type FunctionTable,
  type Node,
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
import type { CheckedSolve } from './check/solve.ts';
import { parseExpression } from './parse.ts';

/**
 * Builds the problem of a checked file.
 * @param checked - the checker's output (so every name resolves and every shape fits)
 * @param source - the file's text, from which expression options are taken verbatim
 * @param functions - the elementwise functions the objective may call, with their derivatives
 */
export function lowerFile(checked: CheckedFile, source: string, functions: FunctionTable): Problem {
  const b = new IRBuilder(functions);
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
  switch (expr.$type) {
    case 'NumberLiteral':
      return b.const(expr.value);
    case 'NameRef': {
      const node = names.get(expr.name);
      if (!node) throw new Error(`internal error: '${expr.name}' was not resolved by the checker`);
      return node;
    }
    case 'UnaryExpr':
      return b.neg(lower(expr.operand));
    case 'BinaryExpr': {
      const [l, r] = [lower(expr.left), lower(expr.right)];
      switch (expr.op) {
        case '+':
          return b.add(l, r);
        case '-':
          return b.sub(l, r);
        case '*':
          return b.mul(l, r);
        case '/':
          return b.div(l, r);
        case '^':
          return b.pow(l, r);
        case '.':
          return b.dot(l, r);
        case '@':
          return l.shape.length === 2 ? b.matvec(l, r) : b.vecmat(l, r);
      }
      break;
    }
    case 'CallExpr': {
      const arg = lower(expr.args[0]);
      switch (expr.callee.name) {
        case 'sum':
          return b.sum(arg);
        case 'norm2':
          return b.norm2(arg);
        case 'logsumexp':
          return b.logsumexp(arg);
        default:
          return b.map(expr.callee.name, arg);
      }
    }
    case 'IndexExpr': {
      // A constant index folds to a `const` node in the builder; a sample index is its input node.
      const [target, index] = [lower(expr.target), lower(expr.index)];
      return target.shape.length === 2 ? b.row(target, index) : b.entry(target, index);
    }
  }
}

/**
 * Option values with defaults filled in. An expression option is kept as its source text and
 * lowered to IR whose free variables (`k`, `mu`, ...) are `hyper` inputs, shadowing any
 * declaration of the same name (as the checker resolves them).
 */
function lowerSolve(solve: CheckedSolve, source: string, b: IRBuilder, names: ReadonlyMap<string, Node>): SolveSpec {
  const options: Record<string, number | string> = {};
  const expressions: Record<string, Node> = {};
  for (const spec of solve.specs) {
    const value = solve.given.get(spec.name) ?? spec.default;
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
  return { solver: solve.solver, options, expressions };
}
