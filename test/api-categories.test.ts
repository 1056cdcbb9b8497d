/**
 * The API reference groups every export by category (typedoc's `@category`, ordered by
 * typedoc.json's `categoryOrder`): each declaration a package's index exports — through
 * `export * from`, or by name — carries exactly one `@category` of that list, so none lands in a
 * catch-all "Other". Read from the sources (typedoc itself takes a minute to run).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const ORDER = (JSON.parse(readFileSync(join(ROOT, 'typedoc.json'), 'utf8')) as { categoryOrder: string[] }).categoryOrder.filter((c) => c !== '*');
const DECLARATION = /^export (?:declare )?(?:abstract )?(?:async )?(?:function\*? |class |interface |type |const |let |enum )([A-Za-z_$][\w$]*)/gm;

/** The TSDoc comment right above the declaration at `index` of `text`, or '' when there is none. */
function commentAbove(text: string, index: number): string {
  const before = text.slice(0, index).trimEnd();
  if (!before.endsWith('*/')) return '';
  return before.slice(before.lastIndexOf('/**'));
}

/** Declarations (name → comment) a module exports, following `export *` and named re-exports. */
function exported(file: string, names?: Set<string>, into = new Map<string, string>()): Map<string, string> {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(DECLARATION)) if (!names || names.has(m[1])) into.set(`${file}:${m[1]}`, commentAbove(text, m.index));
  for (const m of text.matchAll(/^export (?:type )?(\*|\{[^}]*\}) from '(\.[^']+)';/gm)) {
    const target = resolve(dirname(file), m[2]);
    if (!existsSync(target)) continue;
    const listed = m[1] === '*' ? undefined : new Set(m[1].slice(1, -1).split(',').map((n) => n.trim().replace(/^type /, '')).filter(Boolean));
    exported(target, listed, into);
  }
  return into;
}

describe('API reference categories', () => {
  it.each(['core', 'dsl', 'plugins', 'cli'])('every export of @sgdiff/%s has one @category of typedoc.json', (pkg) => {
    const declarations = exported(join(ROOT, 'packages', pkg, 'src', 'index.ts'));
    expect(declarations.size).toBeGreaterThan(20);
    const wrong = [...declarations].filter(([, comment]) => {
      const categories = [...comment.matchAll(/@category (.+)/g)].map((m) => m[1].trim());
      return categories.length !== 1 || !ORDER.includes(categories[0]);
    });
    expect(wrong.map(([where]) => where.slice(ROOT.length + 1))).toEqual([]);
  });

  it('orders the categories from the IR to the command line', () => {
    expect(ORDER).toEqual(['IR', 'Differentiation', 'Code generation', 'Problems and references', 'Solvers and tracking', 'Hypergradients', 'Plugins', 'Language', 'CLI']);
  });
});
