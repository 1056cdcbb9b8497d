/**
 * `sgd derive`: ∇F, the Hessian–vector product and the cross product as formulas, in text or
 * LaTeX, headed by the file's own var and param names, simplified for reading unless
 * `unsimplified` (see simplify-for-print.ts).
 */
import { buildDerivativeGraphs, latexName, printFormulas, topologicalOrder, type Formula, type Node, type PluginRegistry, type PrintFormat, type Problem } from '@sgdiff/core';
import { PrintSimplifier } from './simplify-for-print.ts';

/** `x`, or `(x, y)` for several names. */
function group(names: readonly string[]): string {
  return names.length === 1 ? names[0] : `(${names.join(', ')})`;
}

/**
 * Formulas taller than this are printed as built: the print simplifier recurses along chains of
 * sums and products, and the front end admits expressions up to 1000 levels deep.
 */
const MAX_SIMPLIFIED_HEIGHT = 200;

/** The height of `node`'s DAG (1 for a leaf), computed without recursion. */
function height(node: Node): number {
  const heights = new Map<Node, number>();
  for (const n of topologicalOrder([node])) heights.set(n, 1 + Math.max(0, ...n.args.map((a) => heights.get(a) ?? 0)));
  return heights.get(node) ?? 1;
}

/**
 * Renders the derivative formulas of `problem`; shared subexpressions are printed once, first.
 * @category CLI
 */
export function deriveFormulas(problem: Problem, registry: PluginRegistry, format: PrintFormat, unsimplified = false): string {
  const graphs = buildDerivativeGraphs(problem, registry.rules);
  const latex = format === 'latex';
  const sample = problem.sample?.name;
  const name = (s: string): string => (latex ? latexName(s) : s);
  const vars = graphs.vars.entries;
  const varNames = vars.map((v) => name(v.name));
  const paramNames = problem.tensors.filter((t) => t.kind === 'param').map((t) => name(t.name));
  // v and u are directions in all vars and all params: named after them when there is one.
  const v = latex ? (varNames.length === 1 ? `v_{${varNames[0]}}` : 'v') : varNames.length === 1 ? `v_${varNames[0]}` : 'v';
  const u = latex ? (paramNames.length === 1 ? `u_{${paramNames[0]}}` : 'u') : paramNames.length === 1 ? `u_${paramNames[0]}` : 'u';
  const simplifier = new PrintSimplifier(problem.builder);
  const shown = <N extends Formula['node']>(node: N): N => (unsimplified || !node || height(node) > MAX_SIMPLIFIED_HEIGHT ? node : (simplifier.simplify(node) as N));
  const formulas: Formula[] = [
    { label: 'f', node: shown(graphs.value) },
    ...vars.map((x, k) => ({ label: latex ? `\\nabla_{${name(x.name)}} F` : `∇_${x.name} F`, node: shown(graphs.gradX[k]) })),
    ...vars.map((x, k) => ({
      label: latex ? `\\nabla^2_{${name(x.name)}\\,${group(varNames)}} F \\cdot ${v}` : `∇²_${x.name},${group(varNames)} F · ${v}`,
      node: shown(graphs.hvp[k]),
    })),
    ...(paramNames.length === 0
      ? []
      : vars.map((x, k) => ({
          label: latex ? `\\nabla^2_{${name(x.name)}\\,${group(paramNames)}} F \\cdot ${u}` : `∇²_${x.name},${group(paramNames)} F · ${u}`,
          node: shown(graphs.cross[k]),
        }))),
  ];
  const printed = printFormulas(formulas, format, registry.operators);
  // F = E_ξ f: every derivative of F is the mean of the per-sample derivative over the sample.
  const mean = (body: string): string => {
    if (!sample) return body;
    return latex ? `\\mathbb{E}_{${name(sample)}}\\left[${body}\\right]` : `mean over ${sample} of ${body}`;
  };
  const args = [...problem.tensors.filter((t) => t.kind === 'var'), ...problem.tensors.filter((t) => t.kind === 'param')].map((t) => name(t.name));
  const signature = `(${args.join(', ')}${sample ? `; ${name(sample)}` : ''})`;
  const eq = latex ? ' &= ' : ' = ';
  const [value, ...derivatives] = printed.formulas;
  const lines = [
    `${latex ? 'f' : problem.objectiveName}${signature}${eq}${value.text}`,
    `F${eq}${mean(`${latex ? 'f' : problem.objectiveName}${signature}`)}`,
    ...printed.shared.map((s) => `${s.name}${eq}${s.text}`),
    ...derivatives.map((d) => `${d.label}${eq}${mean(d.text)}`),
  ];
  if (latex) return ['\\begin{aligned}', lines.join(' \\\\\n'), '\\end{aligned}'].join('\n');
  const directions = (letter: string, names: readonly string[], kind: string): string =>
    names.length === 1 ? `${letter}_${names[0]} is a direction in the ${kind} ${names[0]}` : `${letter} = (${names.map((n) => `${letter}_${n}`).join(', ')}) is a direction in the ${kind}s ${names.join(', ')}`;
  const footer = [directions('v', varNames, 'var'), ...(paramNames.length > 0 ? [directions('u', paramNames, 'param')] : [])].join('; ');
  return [...lines, '', `${footer}.`].join('\n');
}
