import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { RunEnvironment } from '../../../shared/tracking';
import { APP_VERSION } from '../version';

function git(args: string[], cwd: string): string | undefined {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
  } catch {
    return undefined;
  }
}

/** Git commit and dirtiness of the repository containing `cwd`, if it is in one and git is installed. */
export function gitState(cwd: string): { gitCommit?: string; gitDirty?: boolean } {
  const commit = git(['rev-parse', 'HEAD'], cwd);
  if (!commit || !/^[0-9a-f]{40,64}$/.test(commit)) return {};
  const status = git(['status', '--porcelain'], cwd);
  return { gitCommit: commit, gitDirty: status === undefined ? undefined : status.length > 0 };
}

/** What made a run: this machine, this Lathe, and for scripts the command, folder and code version. */
export function captureEnvironment(opts: { command?: string[]; cwd?: string; backend?: string } = {}): RunEnvironment {
  const env: RunEnvironment = {
    host: os.hostname(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    appVersion: APP_VERSION,
    node: process.versions.node,
    user: safeUser(),
  };
  if (opts.backend) env.backend = opts.backend;
  if (opts.command) env.command = opts.command;
  if (opts.cwd) {
    env.cwd = opts.cwd;
    Object.assign(env, gitState(opts.cwd));
  }
  return env;
}

function safeUser(): string | undefined {
  try {
    return os.userInfo().username;
  } catch {
    return undefined;
  }
}
