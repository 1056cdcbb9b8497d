#!/usr/bin/env node
// The installed `sgd` command: runs the build in ../dist.
import { existsSync } from 'node:fs';

// `pnpm sgd` runs this script at the workspace root; the user's paths are relative to the
// directory they typed the command in, which pnpm (like npm) passes as INIT_CWD.
if (process.env.npm_lifecycle_event === 'sgd' && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
// Inside the sgdiff repository (the build script is next to this folder; it is not published)
// the build is first brought up to date with the sources, so `sgd` never runs code older than
// the files being edited.
const builder = new URL('../build.mjs', import.meta.url);
if (existsSync(builder)) await (await import(builder.href)).ensureBuilt();
// The build is minified; SGD_DEBUG's stack traces point into the sources through its source maps.
if (process.env.SGD_DEBUG) process.setSourceMapsEnabled(true);
await import('../dist/bin.js');
