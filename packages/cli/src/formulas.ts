/** `sgd derive`: ∇ₓF, ∇²ₓₓF·v and ∇²ₓθF·u as formulas, in text or LaTeX. */
import { buildDerivativeGraphs, latexName, printFormulas, type Formula, type PluginRegistry, type PrintFormat, type Problem } from '@sgdiff/core';

/** Renders the derivative formulas of `problem`; shared subexpressions are printed once, first. */
export function deriveFormulas(problem: Problem, registry: PluginRegistry, format: PrintFormat): string {
  const graphs = buildDerivativeGraphs(problem, registry.rules);
  const latex = format === 'latex';
  const sample = problem.sample?.name;
  const name = (s: string): string => (latex ? latexName(s) : s);
  const vars = graphs.vars.entries;
  const formulas: Formula[] = [
    { label: 'f', node: graphs.value },
    ...vars.map((v, k) => ({ label: latex ? `\\nabla_{${name(v.name)}} F` : `∇_${v.name} F`, node: graphs.gradX[k] })),
    ...vars.map((v, k) => ({ label: latex ? `\\nabla^2_{${name(v.name)} x} F \\cdot v` : `∇²_${v.name},x F · v`, node: graphs.hvp[k] })),
    ...vars.map((v, k) => ({ label: latex ? `\\nabla^2_{${name(v.name)} \\theta} F \\cdot u` : `∇²_${v.name},θ F · u`, node: graphs.cross[k] })),
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
  return [...lines, '', 'v is a direction in the vars (v_x, ...), u a direction in the params (u_theta, ...).'].join('\n');
}
