/** Run by crash.test.ts in a child process: imports a file and reports each progress phase on stdout. */
import { createEngine } from '../../src/main/engine/engine';

const [home, file] = process.argv.slice(2);
const engine = await createEngine({ home, sample: false });
engine.events.subscribe((e) => {
  if (e.type === 'task.progress') process.stdout.write(`${JSON.stringify(e.data)}\n`);
});
await engine['datasets.add']({ name: 'big', path: file, message: '' });
process.stdout.write('IMPORT-FINISHED\n');
engine.close();
