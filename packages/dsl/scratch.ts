import { sgdLexer } from '/work/main/packages/dsl/src/lexer.ts';
for (const s of ['dims Rx logx log1p log(x) R[n] 1. .5 1e-3 2.5E+10 A[i] . x 2.x θ ∂ "a\\"b" 1.e5 3$']) {
  const r = sgdLexer.tokenize(s);
  console.log(r.tokens.map(t => `${t.tokenType.name}:${t.image}`).join(' '), r.errors);
}
