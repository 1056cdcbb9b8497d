/**
 * Prints IR as math: plain text (`sgd derive`) or LaTeX (`--format latex`). Subexpressions
 * shared between the printed formulas (the DAG's CSE) are named once, `t1 = ...`, and reused.
 */
import { topologicalOrder, type Node } from './node.ts';
import { isScalar } from './shape.ts';

/** Output flavour. */
export type PrintFormat = 'text' | 'latex';

/** A formula to print: a label and its IR (`null` prints as 0). */
export interface Formula {
  /** The left-hand side, e.g. `∇ₓf`. */
  readonly label: string;
  /** The right-hand side. */
  readonly node: Node | null;
}

/** The printed formulas, and the shared subexpressions they refer to. */
export interface PrintedFormulas {
  /** `name = expression` lines for shared subexpressions, in dependency order. */
  readonly shared: ReadonlyArray<{ readonly name: string; readonly text: string }>;
  /** One line per formula, in the order given. */
  readonly formulas: ReadonlyArray<{ readonly label: string; readonly text: string }>;
}

const GREEK = new Set(['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda', 'mu', 'nu', 'xi', 'pi', 'rho', 'sigma', 'tau', 'phi', 'chi', 'psi', 'omega']);

/** Binding strength of each rendered form: 1 sums, 2 products, 3 negation, 4 powers, 5 atoms. */
type Printed = { readonly text: string; readonly level: number };

/** Prints formulas over one DAG, naming shared non-trivial subexpressions. */
export function printFormulas(formulas: readonly Formula[], format: PrintFormat, functions?: ReadonlyMap<string, { latex?(arg: string): string }>): PrintedFormulas {
  const roots = formulas.flatMap((f) => (f.node ? [f.node] : []));
  const uses = new Map<Node, number>();
  for (const node of topologicalOrder(roots)) for (const a of node.args) uses.set(a, (uses.get(a) ?? 0) + 1);
  const names = new Map<Node, string>();
  const shared: Array<{ name: string; text: string }> = [];
  const memo = new Map<Node, Printed>();
  const render = (node: Node): Printed => {
    const name = names.get(node);
    if (name) return { text: name, level: 5 };
    const cached = memo.get(node);
    if (cached) return cached;
    const printed = format === 'latex' ? latex(node, render, functions) : text(node, render);
    memo.set(node, printed);
    return printed;
  };
  for (const node of topologicalOrder(roots)) {
    if ((uses.get(node) ?? 0) > 1 && worthNaming(node)) {
      const name = format === 'latex' ? `t_{${shared.length + 1}}` : `t${shared.length + 1}`;
      shared.push({ name, text: render(node).text });
      names.set(node, name);
    }
  }
  return { shared, formulas: formulas.map((f) => ({ label: f.label, text: f.node ? render(f.node).text : '0' })) };
}

function worthNaming(node: Node): boolean {
  return !['const', 'input', 'broadcast', 'row', 'entry', 'neg'].includes(node.op);
}

function wrap(p: Printed, level: number, open = '(', close = ')'): string {
  return p.level < level ? `${open}${p.text}${close}` : p.text;
}

/**
 * A declared name in LaTeX: a Greek letter name becomes the letter, a longer name is upright
 * (`\\mathrm{loglam}`, not a product of italic letters), and the part after the first underscore
 * is a subscript (`x_0` → `x_{0}`, `lam_max` → `\\lambda_{\\mathrm{max}}` for `lambda_max`).
 */
export function latexName(name: string): string {
  const at = name.indexOf('_');
  if (at > 0 && at < name.length - 1) return `${latexName(name.slice(0, at))}_{${latexName(name.slice(at + 1))}}`;
  if (GREEK.has(name)) return `\\${name}`;
  const escaped = name.replace(/_/g, '\\_');
  return name.length > 1 ? `\\mathrm{${escaped}}` : escaped;
}

function inputName(node: Node, format: PrintFormat): string {
  const ref = node.input as NonNullable<Node['input']>;
  const pretty = (name: string): string => (format === 'latex' ? latexName(name) : name);
  if (ref.kind !== 'tangent') return pretty(ref.name);
  const [kind, primal] = [ref.name.slice(0, ref.name.indexOf(':')), ref.name.slice(ref.name.indexOf(':') + 1)];
  const letter = kind === 'var' ? 'v' : 'u';
  return format === 'latex' ? `${letter}_{${pretty(primal)}}` : `${letter}_${primal}`;
}

function constText(v: number): string {
  return Number.isInteger(v) || Math.abs(v) >= 1e-3 ? String(v) : v.toExponential();
}

function text(node: Node, r: (n: Node) => Printed): Printed {
  const [a, b] = node.args;
  switch (node.op) {
    case 'const':
      return { text: constText(node.value as number), level: (node.value as number) < 0 ? 3 : 5 };
    case 'input':
      return { text: inputName(node, 'text'), level: 5 };
    case 'add':
      return { text: `${r(a).text} + ${wrap(r(b), 2)}`, level: 1 };
    case 'sub':
      return { text: `${r(a).text} - ${wrap(r(b), 2)}`, level: 1 };
    case 'mul':
      return { text: `${wrap(r(a), 2)} * ${wrap(r(b), 3)}`, level: 2 };
    case 'div':
      return { text: `${wrap(r(a), 2)} / ${wrap(r(b), 3)}`, level: 2 };
    case 'pow':
      return { text: `${wrap(r(a), 5)}^${wrap(r(b), 5)}`, level: 4 };
    case 'neg':
      return { text: `-${wrap(r(a), 3)}`, level: 3 };
    case 'map':
      return { text: `${node.fn}(${r(a).text})`, level: 5 };
    case 'broadcast':
      return r(a);
    case 'sum':
      if (a.op === 'mul' && !isScalar(a.args[0].shape) && !isScalar(a.args[1].shape)) {
        const [u, v] = a.args;
        if (u === v) return { text: `norm2(${r(u).text})`, level: 5 };
        return { text: `${wrap(r(u), 3)} . ${wrap(r(v), 3)}`, level: 2 };
      }
      return { text: `sum(${r(a).text})`, level: 5 };
    case 'logsumexp':
      return { text: `logsumexp(${r(a).text})`, level: 5 };
    case 'matvec':
    case 'vecmat':
      return { text: `${wrap(r(a), 3)} @ ${wrap(r(b), 3)}`, level: 2 };
    case 'outer':
      return { text: `outer(${r(a).text}, ${r(b).text})`, level: 5 };
    case 'entry':
    case 'row':
      return { text: `${wrap(r(a), 5)}[${r(b).text}]`, level: 5 };
    case 'scatter':
    case 'scatterRow':
      return { text: `onehot(${r(b).text}, ${node.size}) * ${wrap(r(a), 3)}`, level: 2 };
  }
}

function latex(node: Node, r: (n: Node) => Printed, functions?: ReadonlyMap<string, { latex?(arg: string): string }>): Printed {
  const [a, b] = node.args;
  const paren = (p: Printed, level: number): string => wrap(p, level, '\\left(', '\\right)');
  switch (node.op) {
    case 'const':
      return { text: constText(node.value as number).replace(/e([+-]?\d+)$/, ' \\cdot 10^{$1}'), level: (node.value as number) < 0 ? 3 : 5 };
    case 'input':
      return { text: inputName(node, 'latex'), level: 5 };
    case 'add':
      return { text: `${r(a).text} + ${paren(r(b), 2)}`, level: 1 };
    case 'sub':
      return { text: `${r(a).text} - ${paren(r(b), 2)}`, level: 1 };
    case 'mul':
      return { text: `${paren(r(a), 2)} \\, ${paren(r(b), 3)}`, level: 2 };
    case 'div':
      return { text: `\\frac{${r(a).text}}{${r(b).text}}`, level: 5 };
    case 'pow':
      return { text: `{${paren(r(a), 5)}}^{${r(b).text}}`, level: 4 };
    case 'neg':
      return { text: `-${paren(r(a), 3)}`, level: 3 };
    case 'map': {
      const custom = functions?.get(node.fn as string)?.latex;
      return { text: custom ? custom(r(a).text) : `\\operatorname{${node.fn}}\\left(${r(a).text}\\right)`, level: 5 };
    }
    case 'broadcast':
      return r(a);
    case 'sum':
      if (a.op === 'mul' && !isScalar(a.args[0].shape) && !isScalar(a.args[1].shape)) {
        const [u, v] = a.args;
        if (u === v) return { text: `\\left\\|${r(u).text}\\right\\|^2`, level: 5 };
        return { text: `\\left\\langle ${r(u).text}, ${r(v).text} \\right\\rangle`, level: 5 };
      }
      return { text: `\\sum ${paren(r(a), 5)}`, level: 2 };
    case 'logsumexp':
      return { text: `\\operatorname{logsumexp}\\left(${r(a).text}\\right)`, level: 5 };
    case 'matvec':
      return { text: `${paren(r(a), 5)} ${paren(r(b), 5)}`, level: 2 };
    case 'vecmat':
      return { text: `{${paren(r(b), 5)}}^\\top ${paren(r(a), 5)}`, level: 2 };
    case 'outer':
      return { text: `${paren(r(a), 5)} {${paren(r(b), 5)}}^\\top`, level: 2 };
    case 'entry':
    case 'row':
      return { text: `{${paren(r(a), 5)}}_{${r(b).text}}`, level: 5 };
    case 'scatter':
      return { text: `e_{${r(b).text}} \\, ${paren(r(a), 3)}`, level: 2 };
    case 'scatterRow':
      return { text: `e_{${r(b).text}} {${paren(r(a), 5)}}^\\top`, level: 2 };
  }
}
