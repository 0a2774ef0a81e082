import os from 'node:os';

/** Who did it: the OS user (recorded on versions, alias moves and exports). */
export function osUser(): string {
  try {
    return os.userInfo().username || process.env.USER || 'unknown';
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}
