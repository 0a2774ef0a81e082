import type { Command } from 'commander';
import { contract, isCallName } from '../../../shared/contract';
import { LatheError } from '../../../shared/errors';
import { run } from '../context';
import * as f from '../format';

/** `lathe call` and `lathe calls`: every contract entry, straight from the table. */
export function registerCallCommands(program: Command): void {
  program
    .command('call <name> [json]')
    .description('Call any contract entry directly with a JSON input (see `lathe calls`)')
    .action(async (name: string, json: string | undefined) => {
      if (!isCallName(name)) throw new LatheError('NOT_FOUND', `Unknown call "${name}"`, { hint: 'Run `lathe calls` to list them.' });
      let input: unknown = {};
      try {
        input = json ? JSON.parse(json) : {};
      } catch (e) {
        throw new LatheError('INVALID_INPUT', `The input is not valid JSON: ${(e as Error).message}`, { where: 'json' });
      }
      await run(name, input, { json: true }, () => '');
    });
  program
    .command('calls')
    .description('List every call of the contract')
    .action(() => {
      process.stdout.write(f.table(Object.entries(contract).map(([n, c]) => [n, c.summary])) + '\n');
    });
}
