import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEngine, type Engine, type EngineOptions } from '../src/main/engine/engine';

/** A fresh workspace in a temp folder: real SQLite, real files. Removed by the returned cleanup. */
export function tempDir(prefix = 'lathe-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function tempEngine(opts: Partial<EngineOptions> = {}): Promise<{ engine: Engine; home: string; cleanup: () => void }> {
  const home = opts.home ?? tempDir();
  const engine = await createEngine({ sample: false, ...opts, home });
  return {
    engine,
    home,
    cleanup: () => {
      engine.close();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
