// `sgd` run from the sources, for tests that start it as a process: Binaryen (the WebAssembly
// backend's compiler, loaded by runs on the default backend) is imported before tsx is
// registered, since tsx would transform its 15 MB module on every load (seconds, 25 s on a
// loaded machine) where Node loads it as it is; then tsx, then the command's entry.
import { register } from 'tsx/esm/api';

await import('binaryen');
register();
await import('../../packages/cli/src/bin.ts');
