/**
 * The JavaScript emitter of the loop IR. The source it writes is the body of a factory
 * `(data, fns) => kernel`: data arrays, elementwise functions and scratch buffers are bound
 * once, by position, in the closure; the kernel itself only computes. The source is made of
 * generated identifiers (`D0`, `f1`, `T2`, `s3`, `j4`), the kernel's parameter names, operator
 * symbols, `Math` members and numbers written by {@link numberLiteral} and
 * {@link integerLiteral}: nothing the loop IR holds can become an identifier or a string.
 */
import { integerLiteral, numberLiteral } from './literal.ts';
import { readsArgument } from './direction-loops.ts';
import type { ArgumentBuffer, DirectionKernelLoops, LoopBuffer, LoopCondition, LoopExpr, LoopIndex, LoopLocal, LoopKernel, LoopStatement } from './loop-ir.ts';

/** The kernel's float parameters, spelled as the emitted function declares them. */
const ARGUMENT_NAMES: Readonly<Record<ArgumentBuffer, string>> = { x: 'x', th: 'th', t: 't', u: 'u', h: 'h', out: 'out' };

const BINARY_SYMBOL = { add: '+', sub: '-', mul: '*', div: '/' } as const;
const MATH_UNARY = { exp: 'Math.exp', log: 'Math.log' } as const;
const INFINITY = numberLiteral(Infinity);
const MINUS_INFINITY = numberLiteral(-Infinity);

/**
 * Inside a `directions` loop: the variables holding the current direction and its column's first
 * index, which `t` and `out` are indexed from (emission is synchronous; set and restored there).
 */
let column: { readonly p: string; readonly start: string } | undefined;
/** Inside a `directionBlocks` loop: the variables holding the current block's bounds. */
let block: { readonly from: string; readonly to: string } | undefined;

/**
 * The source of the factory `(data, fns) => kernel` for `kernel`; with `directions`, of the
 * factory of its all-directions variant `(x, th, t, u, idx, count, out, h, from, to)` instead.
 * @category Code generation
 */
export function emitJavaScript(kernel: LoopKernel, directions?: DirectionKernelLoops): string {
  const prelude = [
    ...kernel.data.map((_, k) => `const D${k} = data[${integerLiteral(k)}];`),
    ...kernel.functions.map((_, k) => `const f${k} = fns[${integerLiteral(k)}];`),
    ...kernel.scratch.map((size, k) => `const T${k} = new Float64Array(${integerLiteral(size)});`),
  ];
  return [
    '"use strict";',
    'const sq = (v) => v * v;',
    ...prelude,
    directions ? 'return function directions(x, th, t, u, idx, count, out, h, from, to) {' : 'return function kernel(x, th, t, u, idx, count, out, h) {',
    ...statements(directions ? directions.body : kernel.body, '  ', kernel),
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
      return [`${indent}${entry(s.buffer, s.index)} ${s.accumulate ? '+=' : '='} ${expr(s.value)};`];
    case 'zero': {
      const whole = s.buffer.kind === 'scratch' && s.start === 0 && s.end === kernel.scratch[s.buffer.index];
      const shift = column && s.buffer.kind === 'argument' && s.buffer.name === 'out' ? `${column.start} + ` : '';
      const range = whole ? '' : `, ${shift}${integerLiteral(s.start)}, ${shift}${integerLiteral(s.end)}`;
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
    case 'directions':
      return directionLoop(s.column, s.body, indent, kernel);
    case 'directionBlocks': {
      if (block || column) throw new Error('direction blocks nested');
      block = { from: 'b0', to: 'b1' };
      try {
        return [
          `${indent}for (let b0 = from, b1 = 0; b0 < to; b0 = b1) {`,
          `${inner}b1 = Math.min(b0 + ${integerLiteral(s.size)}, to);`,
          ...statements(s.body, inner, kernel),
          `${indent}}`,
        ];
      } finally {
        block = undefined;
      }
    }
  }
}

/** A `directions` loop: column p of `t` and `out` from `p · column`, u = e_p around the body when it reads u. */
function directionLoop(size: number, body: readonly LoopStatement[], indent: string, kernel: LoopKernel): string[] {
  if (column) throw new Error('direction loops nested');
  const inner = indent + '  ';
  const range = block ?? { from: 'from', to: 'to' };
  const sets = readsArgument(body, 'u');
  column = { p: 'p', start: 'c' };
  try {
    return [
      `${indent}for (let p = ${range.from}; p < ${range.to}; p++) {`,
      `${inner}const c = p * ${integerLiteral(size)};`,
      ...(sets ? [`${inner}u[p] = 1;`] : []),
      ...statements(body, inner, kernel),
      ...(sets ? [`${inner}u[p] = 0;`] : []),
      `${indent}}`,
    ];
  } finally {
    column = undefined;
  }
}

/** `buffer[index]`, the index taken from the current column for `t` and `out` inside a direction loop. */
function entry(ref: LoopBuffer, at: LoopIndex): string {
  const shifted = column && ref.kind === 'argument' && (ref.name === 't' || ref.name === 'out');
  return `${buffer(ref)}[${shifted ? `${column!.start} + ` : ''}${index(at)}]`;
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
      return entry(e.buffer, e.index);
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
