// The ES module face of newest-mtime.cjs (scripts and tests import it; bin/lathe.cjs requires the .cjs).
export { newestMtime } from './newest-mtime.cjs';
