// Worker threads start without the parent's TypeScript loader: register tsx, then load the thread.
import { register } from 'tsx/esm/api';

// Binaryen (the WebAssembly backend's compiler, which the default backend uses) is loaded before
// tsx is registered: tsx would transform its 15 MB module on every load (25 s on a loaded machine),
// where Node loads it as it is in half a second. The built workers (dist/) load it without tsx.
await import('binaryen');
register();
await import('./compute-thread.ts');
