#!/usr/bin/env node
// The old entry, for whoever runs ./bin/lathe.mjs: `lathe` is bin/lathe.cjs (package.json "bin"), which
// starts faster as CommonJS (its header says why). Required, not imported: an import of a CommonJS file
// first parses it for its exports.
process.getBuiltinModule('node:module').createRequire(import.meta.url)('./lathe.cjs');
