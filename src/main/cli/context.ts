import { type CallName, type CallOutput } from '../../shared/contract';
import { dispatch } from '../engine/dispatch';
import { createEngine, type DoorEngine as Engine, type EngineOptions } from '../engine/engine';
import { defaultHome } from '../engine/workspace';

/** What every CLI command shares: the lazily opened engine, progress on stderr, JSON or human output. */

export interface JsonOpt {
  json?: boolean;
}

let engine: Engine | null = null;
let extraOptions: Pick<EngineOptions, 'nativeBinding'> = {};

/** Set before the first command: the desktop app's --cli mode passes its Electron-ABI sqlite binary. */
export function setEngineOptions(opts: Pick<EngineOptions, 'nativeBinding'>): void {
  extraOptions = opts;
}

export async function getEngine(): Promise<Engine> {
  engine ??= await createEngine({ ...extraOptions, home: defaultHome(), door: 'cli' });
  return engine;
}

export function closeEngine(): void {
  engine?.close();
  engine = null;
}

function showProgress(e: Engine): () => void {
  if (!process.stderr.isTTY) return () => {};
  let last = 0;
  const off = e.events.subscribe((ev) => {
    if (ev.type !== 'task.progress') return;
    const now = Date.now();
    if (now - last < 100) return;
    last = now;
    const d = ev.data;
    const pct = d.total > 0 ? ` ${Math.floor((100 * d.done) / d.total)}%` : '';
    process.stderr.write(`\r\x1b[2K${d.label}: ${d.phase}${pct}`);
  });
  return () => {
    off();
    process.stderr.write('\r\x1b[2K');
  };
}

export async function callAndPrint<K extends CallName>(name: K, input: unknown, opts: JsonOpt, human: (out: CallOutput<K>) => string): Promise<CallOutput<K>> {
  const e = await getEngine();
  const stop = showProgress(e);
  let out: CallOutput<K>;
  try {
    out = (await dispatch(e, name, input)) as CallOutput<K>;
  } finally {
    stop();
  }
  process.stdout.write((opts.json ? JSON.stringify(out, null, 2) : human(out)) + '\n');
  return out;
}

export async function run<K extends CallName>(name: K, input: unknown, opts: JsonOpt, human: (out: CallOutput<K>) => string): Promise<void> {
  await callAndPrint(name, input, opts, human);
}

