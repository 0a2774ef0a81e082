#!/usr/bin/env node
// The old entry, for whoever runs ./bin/lathe.mjs: `lathe` is bin/lathe.cjs (package.json "bin"), which
// starts faster as CommonJS (its header says why).
import './lathe.cjs';
