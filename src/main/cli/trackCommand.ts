import { spawn } from 'node:child_process';
import os from 'node:os';
import type { RunStatus } from '../../shared/tracking';
import { dispatch, invoke } from '../engine/dispatch';
import type { DoorEngine as Engine } from '../engine/engine';
import { captureEnvironment } from '../engine/tracking/environment';
import { parseMetricLine } from '../engine/tracking/metricLines';
import type { Run } from '../../shared/tracking';
import { OWN_GROUP, signalChild, watchChild } from './childWatchdog';

/**
 * `lathe run -- <command...>`: runs a command as a tracked run. Its stdout and stderr pass through to
 * the terminal and are stored as the run's artifacts `stdout.txt` / `stderr.txt`, re-stored at least
 * every second while they grow (the object store's content-defined chunks mean only new bytes are
 * written). Metric lines are logged as they come. Exit 0 -> finished, else failed; Ctrl-C -> killed.
 * This process owns the run (tracking/runOwners.ts): if it dies unseen (SIGKILL), the command dies
 * with it (childWatchdog.ts) and the next start fails the run as interrupted.
 */

const FLUSH_MS = 1000;
const MAX_WARNINGS = 10;

class LiveLog {
  private parts: Buffer[] = [];
  private size = 0;
  private storedSize = -1;
  private carry = '';
  constructor(readonly artifact: string) {}

  push(b: Buffer): string[] {
    this.parts.push(b);
    this.size += b.length;
    const text = this.carry + b.toString('utf8');
    const lines = text.split('\n');
    this.carry = lines.pop() ?? '';
    if (this.carry.length > 1_000_000) this.carry = ''; // a line that never ends is not a metric
    return lines;
  }
  /** The unterminated last line, at the end. */
  rest(): string[] {
    const r = this.carry;
    this.carry = '';
    return r ? [r] : [];
  }
  get changed(): boolean {
    return this.size !== this.storedSize;
  }
  bytes(): Buffer {
    if (this.parts.length > 1) this.parts = [Buffer.concat(this.parts)];
    this.storedSize = this.size;
    return this.parts[0] ?? Buffer.alloc(0);
  }
}

export interface TrackOptions {
  command: string[];
  experiment?: string;
  name?: string;
  /** Where the child's output goes besides the run (default: this process's stdout/stderr). */
  echo?: boolean;
  onStart?: (run: Run) => void;
}

export async function trackCommand(engine: Engine, opts: TrackOptions): Promise<{ run: Run; exitCode: number; status: RunStatus }> {
  const cwd = process.cwd();
  const environment = captureEnvironment({ command: opts.command, cwd });
  const run = (await dispatch(engine, 'runs.create', {
    experiment: opts.experiment,
    name: opts.name,
    source: 'script',
    environment,
  })) as Run;
  const watched = engine.transfer.watchRun(run.id);
  opts.onStart?.(run);
  const logs = { stdout: new LiveLog('stdout.txt'), stderr: new LiveLog('stderr.txt') };
  let warnings = 0;
  const params: Record<string, string> = {};

  const warn = (msg: string) => {
    if (warnings++ < MAX_WARNINGS) process.stderr.write(`lathe: ${msg}\n`);
    if (warnings === MAX_WARNINGS) process.stderr.write('lathe: (further metric-line warnings are not shown)\n');
  };
  const onLines = (lines: string[]) => {
    for (const line of lines) {
      const m = parseMetricLine(line);
      if (!m) continue;
      if (m.kind === 'problem') warn(`ignored a metric line: ${m.message}`);
      else if (m.kind === 'metric') watched.log(m.key, m.value, m.step);
      else if (m.kind === 'param') {
        if (params[m.key] !== undefined && params[m.key] !== m.value) warn(`param ${m.key} was already logged as "${params[m.key]}"; ignored "${m.value}"`);
        else if (params[m.key] === undefined) {
          params[m.key] = m.value;
          // Written at once (the engine method runs synchronously up to its answer); a refusal is a warning.
          invoke(engine, 'runs.logParams', { runId: run.id, params: { [m.key]: m.value.slice(0, 6000) } }).catch((e: unknown) => warn(`param ${m.key}: ${(e as Error).message}`));
        }
      }
    }
  };
  const storeLogs = (force: boolean) => {
    for (const log of [logs.stdout, logs.stderr]) {
      if (!log.changed && !(force && log.artifact === 'stdout.txt')) continue;
      watched.putLog(log.artifact, log.bytes());
    }
  };

  // A single argument with spaces is a shell command line; several arguments are an argv.
  const useShell = opts.command.length === 1 && /\s/.test(opts.command[0]);
  const child = spawn(opts.command[0], opts.command.slice(1), {
    cwd,
    shell: useShell,
    stdio: ['inherit', 'pipe', 'pipe'],
    env: { ...process.env, LATHE_RUN_ID: run.id, LATHE_EXPERIMENT_ID: run.experimentId },
    detached: OWN_GROUP, // its own process group: signals reach everything it starts
  });
  const watchdog = watchChild(child);
  if (child.pid !== undefined) watched.setChild(child.pid);
  child.stdout.on('data', (b: Buffer) => {
    if (opts.echo !== false) process.stdout.write(b);
    onLines(logs.stdout.push(b));
  });
  child.stderr.on('data', (b: Buffer) => {
    if (opts.echo !== false) process.stderr.write(b);
    onLines(logs.stderr.push(b));
  });

  let interrupted = false;
  let killTimer: NodeJS.Timeout | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupted = true;
    if (child.exitCode === null && child.signalCode === null) {
      signalChild(child, sig);
      killTimer ??= setTimeout(() => signalChild(child, 'SIGKILL'), 5000);
    }
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  const onHup = () => onSignal('SIGHUP'); // the terminal closed: the command (in its own group) would not hear it
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  const ticker = setInterval(() => {
    try {
      watched.flush();
      storeLogs(false);
    } catch (e) {
      warn(`could not store the logs yet: ${(e as Error).message}`);
    }
  }, FLUSH_MS);

  const { code, signal, spawnError } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }>((resolve) => {
    child.once('error', (err) => resolve({ code: 127, signal: null, spawnError: err }));
    child.once('close', (c, s) => resolve({ code: c, signal: s }));
  });
  clearInterval(ticker);
  watchdog.release();
  if (killTimer) clearTimeout(killTimer);
  process.off('SIGINT', onInt);
  process.off('SIGTERM', onTerm);
  process.off('SIGHUP', onHup);

  onLines(logs.stdout.rest());
  onLines(logs.stderr.rest());
  if (spawnError) {
    const msg = `lathe: could not start ${opts.command[0]}: ${spawnError.message}\n`;
    process.stderr.write(msg);
    logs.stderr.push(Buffer.from(msg));
  }
  watched.flush();
  storeLogs(true);

  const signum = signal ? (os.constants.signals[signal] ?? 1) : 0;
  const exitCode = code ?? 128 + signum;
  const status: RunStatus = interrupted ? 'killed' : exitCode === 0 ? 'finished' : 'failed';
  const finalRun = (await dispatch(engine, 'runs.update', { id: run.id, status })) as Run;
  watched.release();
  await dispatch(engine, 'runs.setTags', { runId: run.id, tags: { 'lathe.exit_code': String(exitCode), ...(signal ? { 'lathe.signal': signal } : {}) } });
  return { run: finalRun, exitCode, status };
}
