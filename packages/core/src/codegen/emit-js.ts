/**
 * The JavaScript emitter of the loop IR. The source it writes is the body of a factory
 * `(data, fns) => kernel`: data arrays, elementwise functions and scratch buffers are bound
 * once, by position, in the closure; the kernel itself only computes. The source is made of
 * generated identifiers (`D0`, `f1`, `T2`, `s3`, `j4`), the kernel's parameter names, operator
 * symbols, `Math` members and numbers written by {@link numberLiteral} and
 * {@link integerLiteral}: nothing the loop IR holds can become an identifier or a string.
 */
import { integerLiteral, numberLiteral } from './literal.ts';
import type { ArgumentBuffer, LoopBuffer, LoopCondition, LoopExpr, LoopIndex, LoopLocal, LoopKernel, LoopStatement } from './loop-ir.ts';

/** The kernel's float parameters, spelled as the emitted function declares them. */
const ARGUMENT_NAMES: Readonly<Record<ArgumentBuffer, string>> = { x: 'x', th: 'th', t: 't', u: 'u', h: 'h', out: 'out' };

const BINARY_SYMBOL = { add: '+', sub: '-', mul: '*', div: '/' } as const;
const MATH_UNARY = { exp: 'Math.exp', log: 'Math.log' } as const;
const INFINITY = numberLiteral(Infinity);
const MINUS_INFINITY = numberLiteral(-Infinity);

/**
 * The source of the factory `(data, fns) => kernel` for `kernel`.
 * @category Code generation
 */
export function emitJavaScript(kernel: LoopKernel): string {
  const prelude = [
    ...kernel.data.map((_, k) => `const D${k} = data[${integerLiteral(k)}];`),
    ...kernel.functions.map((_, k) => `const f${k} = fns[${integerLiteral(k)}];`),
    ...kernel.scratch.map((size, k) => `const T${k} = new Float64Array(${integerLiteral(size)});`),
  ];
  return [
    '"use strict";',
    'const sq = (v) => v * v;',
    ...prelude,
    'return function kernel(x, th, t, u, idx, count, out, h) {',
    ...statements(kernel.body, '  ', kernel),
    '};',
  ].join('\n');
}

function statements(list: readonly LoopStatement[], indent: string, kernel: LoopKernel): string[] {
  return list.flatMap((s) => statement(s, indent, kernel));
}

function statement(s: LoopStatement, indent: string, kernel: LoopKernel): string[] {
  const inner = indent + '  ';
  switch (s.kind) {
    case 'let':
      return [`${indent}const ${name(s.local)} = ${expr(s.value)};`];
    case 'letIndex':
      return [`${indent}const ${name(s.local)} = ${index(s.value)};`];
    case 'store':
      return [`${indent}${buffer(s.buffer)}[${index(s.index)}] ${s.accumulate ? '+=' : '='} ${expr(s.value)};`];
    case 'zero': {
      const whole = s.buffer.kind === 'scratch' && s.start === 0 && s.end === kernel.scratch[s.buffer.index];
      const range = whole ? '' : `, ${integerLiteral(s.start)}, ${integerLiteral(s.end)}`;
      return [`${indent}${buffer(s.buffer)}.fill(0${range});`];
    }
    case 'loop':
      return [forHeader(s.index, s.extent, indent), ...statements(s.body, inner, kernel), `${indent}}`];
    case 'reduce': {
      const target = name(s.target);
      const step = s.reduction === 'sum' ? `${target} += ${expr(s.element)};` : `${target} = Math.max(${target}, ${expr(s.element)});`;
      const start = s.reduction === 'sum' ? '0' : MINUS_INFINITY;
      return [`${indent}let ${target} = ${start};`, forHeader(s.index, s.extent, indent), `${inner}${step}`, `${indent}}`];
    }
    case 'if':
      return [
        `${indent}if (${condition(s.condition)}) {`,
        ...statements(s.then, inner, kernel),
        `${indent}} else {`,
        ...statements(s.otherwise, inner, kernel),
        `${indent}}`,
      ];
  }
}

function forHeader(local: LoopLocal<'i32'>, extent: LoopIndex, indent: string): string {
  const j = name(local);
  return `${indent}for (let ${j} = 0; ${j} < ${index(extent)}; ${j}++) {`;
}

/** Locals are named by type and number only: `s` for doubles, `j` for integers. */
function name(local: LoopLocal): string {
  return `${local.type === 'f64' ? 's' : 'j'}${integerLiteral(local.id)}`;
}

function buffer(ref: LoopBuffer): string {
  switch (ref.kind) {
    case 'argument':
      if (!Object.hasOwn(ARGUMENT_NAMES, ref.name)) throw new Error('not a kernel argument buffer');
      return ARGUMENT_NAMES[ref.name];
    case 'data':
      return `D${integerLiteral(ref.index)}`;
    case 'scratch':
      return `T${integerLiteral(ref.index)}`;
  }
}

function expr(e: LoopExpr): string {
  switch (e.op) {
    case 'const':
      return numberLiteral(e.value);
    case 'local':
      return name(e.local);
    case 'load':
      return `${buffer(e.buffer)}[${index(e.index)}]`;
    case 'fromIndex':
      return factor(e.index, true);
    case 'binary':
      if (e.operator === 'pow') return `Math.pow(${expr(e.left)}, ${expr(e.right)})`;
      if (e.operator === 'max') return `Math.max(${expr(e.left)}, ${expr(e.right)})`;
      return `(${expr(e.left)} ${BINARY_SYMBOL[e.operator]} ${expr(e.right)})`;
    case 'unary':
      if (e.operator === 'neg') return `(-${expr(e.arg)})`;
      if (e.operator === 'square') return `sq(${expr(e.arg)})`;
      return `${MATH_UNARY[e.operator]}(${expr(e.arg)})`;
    case 'call':
      return `f${integerLiteral(e.fn)}(${expr(e.arg)})`;
    case 'select':
      return `(${condition(e.condition)} ? ${expr(e.then)} : ${expr(e.otherwise)})`;
  }
}

function condition(c: LoopCondition): string {
  if (c.op === 'equal') return `${index(c.left)} === ${index(c.right)}`;
  if (c.op === 'same') return `${expr(c.left)} === ${expr(c.right)}`;
  const value = expr(c.value);
  return `(${value} === ${INFINITY} || ${value} === ${MINUS_INFINITY})`;
}

/**
 * An index expression. Index arithmetic is on non-negative integers far below 2⁵³, hence exact
 * and associative: sums need no parentheses, a sum inside a product does.
 */
function index(e: LoopIndex): string {
  switch (e.op) {
    case 'const':
      return integerLiteral(e.value);
    case 'local':
      return name(e.local);
    case 'count':
      return 'count';
    case 'batchEntry':
      return `idx[${index(e.at)}]`;
    case 'add':
      return `${index(e.left)} + ${index(e.right)}`;
    case 'mul':
      return `${factor(e.left, false)} * ${factor(e.right, false)}`;
    // Indices are below 2³¹ (a tensor holds at most 2 GiB), so `| 0` truncates the quotient exactly.
    case 'div':
      return `((${index(e.left)}) / ${factor(e.right, true)} | 0)`;
    case 'mod':
      return `((${index(e.left)}) % ${factor(e.right, true)})`;
  }
}

/** An index expression as an operand: parenthesised when a sum (or, with `products`, a product). */
function factor(e: LoopIndex, products: boolean): string {
  return e.op === 'add' || (products && e.op === 'mul') ? `(${index(e)})` : index(e);
}
