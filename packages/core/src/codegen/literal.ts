/**
 * Numbers as JavaScript source. This is the only way a value reaches generated code, and its
 * output alphabet is digits, `.`, `e`, `+`, `-`, `/` and parentheses: no identifier, ever.
 */

/**
 * A JavaScript expression that evaluates to exactly `v`.
 * @category Code generation
 */
export function numberLiteral(v: number): string {
  if (Number.isNaN(v)) return '(0/0)';
  if (v === Infinity) return '(1/0)';
  if (v === -Infinity) return '(-1/0)';
  if (Object.is(v, -0)) return '(-0)';
  // String() of a finite double round-trips exactly and is a valid literal.
  const text = String(v);
  if (!/^-?[0-9.]+(e[+-][0-9]+)?$/.test(text)) throw new Error(`unexpected number text ${text}`);
  return v < 0 ? `(${text})` : text;
}

/**
 * A non-negative integer (an extent, an offset or an index) as source.
 * @category Code generation
 */
export function integerLiteral(v: number): string {
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`not a non-negative integer: ${v}`);
  return String(v);
}
