/**
 * The seed corpus of the front-end fuzz job: the worst inputs found so far (the reliability
 * probe's reproductions and what the fuzzer found), generated here where they are large so the
 * repository holds a few lines instead of megabytes. Replayed by `test/fuzz.test.ts`.
 */

const program = (body: string): string => `var x : R = 0\nminimize f(x) = ${body}\n`;

/** Name → source text. */
export const WORST_CASES: Readonly<Record<string, () => string>> = {
  '80 parentheses': () => program('('.repeat(80) + 'x' + ')'.repeat(80)),
  'exp( nested 500 times': () => program('exp('.repeat(500) + 'x' + ')'.repeat(500)),
  'x^ 2,000 times': () => program(Array(2000).fill('x').join('^')),
  '5,000 leading -': () => program('-'.repeat(5000) + 'x'),
  'flat sum of 10,000 terms': () => program(Array(10_000).fill('x').join(' + ')),
  '[0] indexing 5,000 times': () => program('x' + '[0]'.repeat(5000)),
  'unclosed parentheses on every line': () => Array(2000).fill('const c = (((1').join('\n'),
  'report { step ×10000 }': () => `var x : R = 0\nminimize f(x) = x^2\nsolve gd { iterations = 3 }\nreport { ${Array(10_000).fill('step').join(', ')} }\n`,
  '16,000 syntax errors': () => Array(8000).fill('dim = =').join('\n') + '\n',
  '10,000 duplicate dims': () => Array(10_000).fill('dim n = 3').join('\n') + '\nvar x : R = 0\nminimize f(x) = x^2\n',
  'report every log 1e15': () => 'var x : R = 1\nminimize f(x) = x^2\nsolve gd { iterations = 10 }\nreport every log 1e15 { step }\n',
  'a NaN Hessian at the start point': () => 'param theta : R ~ normal(0, 1)\nvar x : R = -1\nminimize f(x, theta) = (x - theta)^2 + sqrt(x)\nsolve gd { iterations = 100  track = forward }\n',
  '(θ - θ)/(θ - θ)': () => 'param theta : R ~ normal(0, 1)\nvar x : R = 1\nminimize f(x, theta) = x^2 * (theta - theta) / (theta - theta)\n',
  'a string where a number goes': () => program('"x" + 1'),
  'an unterminated string': () => 'var x : R = normal(mean = "abc',
  'empty file': () => '',
  'only a comment': () => '# nothing',
  'a lone minus at the end': () => program('x -'),
  'CRLF line ends': () => 'var x : R = 0\r\nminimize f(x) = x^2\r\nsolve gd { iterations = 3 }\r\n',
  'tabs and Greek names': () => 'var\tθ : R = 0\nminimize f(θ) =\tθ^2 + μ\n',
  'an identifier of 100,000 letters': () => program('x'.repeat(100_000)),
  'a number of 100,000 digits': () => program('9'.repeat(100_000)),
};
