import type { Command } from 'commander';
import type { CallOutput } from '../../../shared/contract';
import { dispatch } from '../../engine/dispatch';
import { getEngine, run, type JsonOpt } from '../context';
import { formatCompute } from './train';
import * as f from '../format';

/** `lathe gc` and `lathe doctor`: the workspace's upkeep (doctor also says which compute backend loaded and why others did not). */
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
      const e = await getEngine();
      const report = (await dispatch(e, 'store.doctor', {})) as CallOutput<'store.doctor'>;
      const compute = (await dispatch(e, 'compute.status', {})) as CallOutput<'compute.status'>;
      process.stdout.write((o.json ? JSON.stringify({ ...report, compute }, null, 2) : `${f.formatDoctor(report)}\n${formatCompute(compute)}`) + '\n');
      if (!report.ok) process.exitCode = 1;
    });
}
