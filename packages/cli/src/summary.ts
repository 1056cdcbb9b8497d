/** `sgd check`: a short summary of what a valid file declares. */
import { formatShape, type Problem, type TensorInit } from '@sgdiff/core';

function describeInit(init: TensorInit): string {
  switch (init.kind) {
    case 'constant':
      return `= ${init.value}`;
    case 'normal':
      return `~ normal(${init.mean}, ${init.sd})`;
    case 'uniform':
      return `~ uniform(${init.lo}, ${init.hi})`;
    case 'sparse_normal':
      return `~ sparse_normal(${init.r}, ${init.sd})`;
    case 'expression':
      return '= (computed from data)';
    case 'source':
      return `from ${init.source}(${Object.entries(init.args).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(', ')})`;
  }
}

/**
 * One line per kind of declaration, aligned.
 * @category CLI
 */
export function summarize(file: string, problem: Problem): string {
  const tensors = (kind: 'data' | 'param' | 'var'): string =>
    problem.tensors.filter((t) => t.kind === kind).map((t) => `${t.name} : ${formatShape(t.shape)} ${describeInit(t.init)}`).join(', ') || '—';
  const sample = problem.sample;
  const rows: Array<[string, string]> = [
    ['dims', problem.dims.map((d) => `${d.name} = ${d.value}`).join(', ') || '—'],
    ['consts', problem.consts.map((c) => `${c.name} = ${c.value}`).join(', ') || '—'],
    ['data', tensors('data')],
    ['params', tensors('param')],
    ['vars', tensors('var')],
    ['sample', sample ? `${sample.name} ~ uniform(${sample.size}${sample.batch > 1 ? `, batch = ${sample.batch}` : ''})` : '—'],
    ['objective', `${problem.objectiveName}, F = ${sample ? `mean of ${problem.objectiveName} over ${sample.name}` : problem.objectiveName}`],
    ['solver', problem.solve ? `${problem.solve.solver} { ${Object.entries(problem.solve.options).map(([k, v]) => `${k} = ${v}`).join(', ')} }` : '—'],
    ['report', problem.report ? `every log ${problem.report.logPoints} { ${problem.report.metrics.join(', ')} }` : '—'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [`${file}: ok`, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n');
}

/**
 * The summary of `sgd check --json`.
 * @category CLI
 */
export function summaryJson(problem: Problem): object {
  return {
    dims: Object.fromEntries(problem.dims.map((d) => [d.name, d.value])),
    consts: Object.fromEntries(problem.consts.map((c) => [c.name, c.value])),
    tensors: problem.tensors.map((t) => ({ kind: t.kind, name: t.name, shape: t.shape, init: t.init.kind === 'expression' ? { kind: 'expression' } : t.init })),
    sample: problem.sample ? { name: problem.sample.name, size: problem.sample.size, batch: problem.sample.batch } : null,
    objective: problem.objectiveName,
    solve: problem.solve ? { solver: problem.solve.solver, options: problem.solve.options } : null,
    report: problem.report ?? null,
  };
}
