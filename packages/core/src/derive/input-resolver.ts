/**
 * The one input resolver of every compiled kernel, the problem's (f and its derivatives) and a
 * solver's step program alike: where each input node of a kernel lives. A kernel reads its
 * state from `x` (vars, then solver states), θ from `th`, the tangents of the state from `t`
 * and of θ from `u`, per-iteration inputs from `h`; data are bound when the kernel is compiled.
 */
import type { InputLocation, InputResolver } from '../codegen/layout.ts';
import { inputKey } from '../ir/node.ts';
import type { Instance } from '../problem/instance.ts';

/**
 * The offsets an input resolver uses, keyed by the input's `kind:name`.
 * @category Code generation
 */
export interface InputOffsets {
  /** Offsets in `x` (and, for tangents, in `t`): `var:NAME` and `state:NAME`. */
  readonly state: ReadonlyMap<string, number>;
  /** Offsets in `th` (and, for tangents, in `u`): `param:NAME`. */
  readonly params: ReadonlyMap<string, number>;
  /** Offsets in `h`: `hyper:NAME` (absent: the kernel reads no per-iteration input). */
  readonly hypers?: ReadonlyMap<string, number>;
}

/**
 * Resolves the inputs of kernels over `instance`'s data. `owner` names the kernel's owner in
 * the (internal) error raised for an input nobody declared.
 * @category Code generation
 */
export function inputResolver(owner: string, instance: Instance, offsets: InputOffsets): InputResolver {
  return (node): InputLocation => {
    const ref = node.input;
    if (!ref) throw new Error(`node ${node.op} is not an input`);
    const key = inputKey(ref);
    switch (ref.kind) {
      case 'sample':
        return { kind: 'sample' };
      case 'data': {
        const values = instance.values.get(ref.name);
        if (values) return { kind: 'data', values };
        break;
      }
      case 'var':
      case 'state': {
        const offset = offsets.state.get(key);
        if (offset !== undefined) return { kind: 'buffer', buffer: 'x', offset };
        break;
      }
      case 'param': {
        const offset = offsets.params.get(key);
        if (offset !== undefined) return { kind: 'buffer', buffer: 'th', offset };
        break;
      }
      case 'tangent': {
        // A tangent is named after its primal's key `kind:name` and shares the primal's layout.
        const inState = offsets.state.get(ref.name);
        if (inState !== undefined) return { kind: 'buffer', buffer: 't', offset: inState };
        const inParams = offsets.params.get(ref.name);
        if (inParams !== undefined) return { kind: 'buffer', buffer: 'u', offset: inParams };
        break;
      }
      case 'hyper': {
        const offset = offsets.hypers?.get(key);
        if (offset !== undefined) return { kind: 'buffer', buffer: 'h', offset };
        break;
      }
    }
    throw new Error(`${owner} reads an unknown input ${key}`);
  };
}
