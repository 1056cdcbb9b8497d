/**
 * The property suite (`support/operator-properties.ts`) over every operator the default
 * registry provides, and the wiring of that registry.
 */
import { describe, expect, it } from 'vitest';
import { builtinOperatorTable, rulesOf } from '@sgdiff/core';
import { builtinFunctions, defaultRegistry } from '@sgdiff/plugins';
import { describeOperatorProperties } from './support/operator-properties.ts';

/**
 * The built-in operators and functions as a table, built directly so that the wiring test below
 * can check `defaultRegistry()` exposes exactly these.
 */
const FUNCTIONS = new Map(builtinFunctions.map((f) => [f.name, f] as const));
const OPERATORS = builtinOperatorTable(FUNCTIONS);
const RULES = rulesOf(OPERATORS);

describeOperatorProperties({ operators: defaultRegistry().operators, seed: 0x5cd1ff, runs: 250, builderTests: true });
/**
 * The same properties with kernels compiled to WebAssembly: a WebAssembly kernel costs about
 * 10 ms to build (Binaryen optimization and instantiation), so this side draws 40 cases per
 * property (other cases than the JavaScript side: its own seed), which keeps it under 40 s.
 */
describeOperatorProperties({ operators: defaultRegistry().operators, seed: 0x3a5d, runs: 40, backend: 'wasm' });

describe('plugin wiring', () => {
  it('defaultRegistry() provides exactly the operators, rules and functions tested here', () => {
    const registry = defaultRegistry();
    expect([...registry.operators.records.keys()].sort()).toEqual([...OPERATORS.records.keys()].sort());
    for (const [op, record] of OPERATORS.records) expect(registry.operators.records.get(op), op).toBe(record);
    expect(Object.keys(registry.rules).sort()).toEqual(Object.keys(RULES).sort());
    for (const op of Object.keys(RULES)) expect(registry.rules[op], op).toBe(RULES[op]);
    expect([...registry.functions.keys()].sort()).toEqual([...FUNCTIONS.keys()].sort());
    for (const [name, f] of FUNCTIONS) expect(registry.functions.get(name), name).toBe(f);
  });
});

