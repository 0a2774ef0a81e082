import path from 'node:path';
import { app } from 'electron';
import { setEngineOptions } from '../cli/context';
import { electronSqliteBinding } from './nativeBinding';

/**
 * `Lathe --cli ...`: the CLI under Electron's Node. It opens no window and needs no `ready`; the only
 * differences from `lathe` are the Electron-ABI better-sqlite3 and, when packaged, the bundled resources.
 */
export async function runCliMode(argv: string[]): Promise<void> {
  app.dock?.hide();
  const projectRoot = path.resolve(__dirname, '..', '..');
  if (app.isPackaged) process.env.LATHE_RESOURCES = path.join(process.resourcesPath, 'resources');
  setEngineOptions({ nativeBinding: electronSqliteBinding({ isPackaged: app.isPackaged, resourcesPath: process.resourcesPath, projectRoot }) });
  let code = 2;
  try {
    const { main } = await import('../cli/main');
    code = await main(argv);
  } catch (e) {
    process.stderr.write(`lathe: ${e instanceof Error ? e.message : String(e)}\n`);
  }
  // Pipes are asynchronous on some platforms: let what was printed reach them before exiting.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  app.exit(code);
}
