import type { Command } from 'commander';
import { LatheError } from '../../../shared/errors';
import { getEngine, type JsonOpt } from '../context';
import { rendererDir } from '../rendererDir';

/** `lathe serve`: the HTTP door, for the browser UI and scripts. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Serve the UI and the API on 127.0.0.1 with a token')
    .option('--port <n>', 'port (default: a free one)', (v) => Number.parseInt(v, 10))
    .option('--json', 'print the URL and token as JSON')
    .action(async (o: JsonOpt & { port?: number }) => {
      if (o.port !== undefined && (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535)) {
        throw new LatheError('INVALID_INPUT', 'The port must be a whole number from 0 to 65535', { where: '--port' });
      }
      const { startServer } = await import('../../server/server');
      const e = await getEngine();
      const server = await startServer({ engine: e, port: o.port, rendererDir: rendererDir() });
      e.live.startTriggers(); // schedules, watched datasets and folders, alerts: live while serving
      if (o.json) process.stdout.write(JSON.stringify({ url: server.url, token: server.token, port: server.port, home: e.home }) + '\n');
      else process.stdout.write(`Lathe is serving ${e.home}\nOpen: ${server.url}\n(Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
