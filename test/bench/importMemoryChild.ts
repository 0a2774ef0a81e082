/**
 * Run by importMemory.bench.ts in a fresh process: imports one file into a new workspace and prints the
 * process's peak resident size (every thread: the analysis and hashing workers too) as one JSON line.
 */
import { createEngine } from '../../src/main/engine/engine';

const [home, file] = process.argv.slice(2);
const engine = await createEngine({ home, sample: false });
const added = await engine['datasets.add']({ name: 'big', path: file, message: '' });
engine.close();
// getrusage's ru_maxrss: the high-water mark of the whole process, in KiB on Linux.
process.stdout.write(`${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, rows: added.version.rowCount })}\n`);
