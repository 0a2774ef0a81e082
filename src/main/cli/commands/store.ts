import type { Command } from 'commander';
import { callAndPrint, run, type JsonOpt } from '../context';
import * as f from '../format';

/** `lathe gc` and `lathe doctor`: the workspace's upkeep. */
export function registerStoreCommands(program: Command): void {
  program
    .command('gc')
    .description('Free stored objects nothing references')
    .option('--json', 'machine-readable output')
    .action((o: JsonOpt) => run('store.gc', {}, o, f.formatGc));
  program
    .command('doctor')
    .description("Check the database's integrity and re-hash every stored object")
    .option('--json', 'machine-readable output')
    .action(async (o: JsonOpt) => {
      const report = await callAndPrint('store.doctor', {}, o, f.formatDoctor);
      if (!report.ok) process.exitCode = 1;
    });
}
