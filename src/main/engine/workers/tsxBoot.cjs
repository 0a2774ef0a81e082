// Starts a TypeScript worker entry from the sources (vitest, tsx): registers tsx's CommonJS hook in
// this worker thread, then requires the entry. Used by runWorker.ts only when not running from dist/.
const [tsxApi, entry] = process.argv.slice(-2);
require(tsxApi).register();
require(entry);
