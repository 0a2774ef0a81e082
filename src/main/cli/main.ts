#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { describeError, ERROR_CODES, toLatheError } from '../../shared/errors';
import { diskError } from '../engine/diskErrors';
import { APP_VERSION } from '../engine/version';
import { defaultHome } from '../engine/workspace';
import { registerCallCommands } from './commands/calls';
import { registerBundleCommands, registerKeysCommands } from './commands/bundle';
import { registerDataCommands } from './commands/data';
import { registerExportCommand } from './commands/export';
import { registerModelsCommands } from './commands/models';
import { registerMonitorCommands } from './commands/monitor';
import { registerPipelineCommands } from './commands/pipeline';
import { registerEvaluationCommands } from './commands/evaluation';
import { registerRunsCommands } from './commands/runs';
import { registerServeCommand } from './commands/serve';
import { registerStoreCommands } from './commands/store';
import { registerSweepCommands } from './commands/sweeps';
import { registerTrainCommand } from './commands/train';
import { closeEngine } from './context';

/**
 * The CLI door: `lathe <command>`. Each command maps its arguments onto one contract call, which is
 * validated by the same schema as IPC and HTTP. `--json` prints the call's output as JSON.
 * Exit codes: 0 ok, 1 the user's input was wrong, 2 Lathe failed.
 */

function build(): Command {
  const program = new Command('lathe')
    .description('Lathe: version data, track experiments, train, register and export models — on this machine.')
    .version(APP_VERSION)
    .showHelpAfterError()
    .exitOverride();
  program.configureOutput({ outputError: (s, write) => write(s) });

  registerDataCommands(program);
  registerStoreCommands(program);
  registerRunsCommands(program);
  registerModelsCommands(program);
  registerExportCommand(program);
  registerBundleCommands(program);
  registerKeysCommands(program);
  registerEvaluationCommands(program);
  registerSweepCommands(program);
  registerPipelineCommands(program);
  registerMonitorCommands(program);
  registerServeCommand(program);
  registerTrainCommand(program);
  registerCallCommands(program);
  return program;
}

/**
 * `lathe runs list | head` closes the pipe early: stop quietly instead of dying with an EPIPE stack
 * trace (what a shell's own tools do, except that Node has no SIGPIPE default to do it for us).
 */
function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      closeEngine();
      process.exit(0);
    });
  }
}

export async function main(argv: string[]): Promise<number> {
  exitQuietlyOnClosedPipe();
  const program = build();
  const wantsJson = argv.includes('--json');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 1; // usage errors are the user's; commander already printed them
    }
    // Opening the workspace happens outside any call: a full disk is named here too.
    const err = diskError(e, defaultHome()) ?? toLatheError(e);
    if (wantsJson) process.stdout.write(JSON.stringify({ error: err.toJSON() }, null, 2) + '\n');
    process.stderr.write(`lathe: ${describeError(err.toJSON())}\n`);
    if (err.code === 'INTERNAL' && process.env.LATHE_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    return ERROR_CODES[err.code].exit;
  } finally {
    closeEngine();
  }
}

// Run directly (tsx src/main/cli/main.ts, node dist/main/cli.cjs). bin/lathe.mjs and the desktop app's
// --cli mode load this module and call main() themselves.
const isEntry = /cli[\\/]main\.ts$|cli\.cjs$/.test(process.argv[1] ?? '');
if (isEntry) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
