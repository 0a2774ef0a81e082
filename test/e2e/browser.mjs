/**
 * Which Chromium the e2e runner drives, so that `npm ci && npm test` passes on a fresh machine:
 *   1. LATHE_CHROMIUM, when set (and it must exist: a typo is not silently replaced by another browser);
 *   2. the system's Chromium or Chrome in its usual places, then on the PATH;
 *   3. none: on Debian as root (CI, containers) install Debian's chromium package with apt-get, saying so;
 *      anywhere else stop with the one command that installs one.
 * Never `npx playwright install` (it downloads a browser from a host these machines cannot reach).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export function candidatePaths(platform, env) {
  if (platform === 'darwin') {
    return ['/Applications/Chromium.app/Contents/MacOS/Chromium', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'];
  }
  if (platform === 'win32') {
    const roots = [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA].filter(Boolean);
    return roots.flatMap((r) => [path.win32.join(r, 'Chromium', 'Application', 'chrome.exe'), path.win32.join(r, 'Google', 'Chrome', 'Application', 'chrome.exe')]);
  }
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/snap/bin/chromium', '/opt/google/chrome/chrome'];
}

const PATH_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];

/** { path, source } of the browser to use, { error } when LATHE_CHROMIUM is wrong, or null when there is none. */
export function findBrowser({ env = process.env, platform = process.platform, exists = fs.existsSync } = {}) {
  if (env.LATHE_CHROMIUM) {
    return exists(env.LATHE_CHROMIUM) ? { path: env.LATHE_CHROMIUM, source: 'LATHE_CHROMIUM' } : { error: `LATHE_CHROMIUM is ${env.LATHE_CHROMIUM}, which does not exist` };
  }
  for (const p of candidatePaths(platform, env)) if (exists(p)) return { path: p, source: 'system' };
  const dirs = (env.PATH ?? '').split(platform === 'win32' ? ';' : ':').filter(Boolean);
  for (const dir of dirs) {
    for (const name of PATH_NAMES) {
      const p = path.join(dir, platform === 'win32' ? `${name}.exe` : name);
      if (exists(p)) return { path: p, source: 'PATH' };
    }
  }
  return null;
}

/** Fields of /etc/os-release (ID, ID_LIKE, ...), or {} where there is none. */
export function osRelease(text) {
  const out = {};
  for (const line of (text ?? '').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
  }
  return out;
}

/**
 * What to do without a browser: { install: string[] } (a command this process may run: Debian, as root,
 * with apt-get) or { command: string } (the one command to tell the user).
 */
export function installPlan({ platform = process.platform, isRoot = process.getuid?.() === 0, os = {}, hasApt = false } = {}) {
  const like = `${os.ID ?? ''} ${os.ID_LIKE ?? ''}`;
  if (platform === 'linux' && os.ID === 'debian' && isRoot && hasApt) return { install: ['apt-get', 'install', '-y', '--no-install-recommends', 'chromium'] };
  if (platform === 'linux' && os.ID === 'debian') return { command: 'sudo apt-get install -y chromium' };
  if (platform === 'linux' && /ubuntu/.test(like)) return { command: 'sudo snap install chromium' };
  if (platform === 'linux' && /fedora|rhel/.test(like)) return { command: 'sudo dnf install -y chromium' };
  if (platform === 'linux' && /arch/.test(like)) return { command: 'sudo pacman -S chromium' };
  if (platform === 'linux' && /debian/.test(like)) return { command: 'sudo apt-get install -y chromium' };
  if (platform === 'darwin') return { command: 'brew install --cask chromium' };
  if (platform === 'win32') return { command: 'winget install Google.Chrome' };
  return { command: 'install Chromium or Chrome from your system\'s packages' };
}

/** The browser's path; installs one where it can, or throws with the command that does. */
export function ensureBrowser(log = console.log) {
  const found = findBrowser();
  if (found?.error) throw new Error(`${found.error}. Unset it to use the system's Chromium or Chrome.`);
  if (found) return found.path;
  const os = osRelease(fs.existsSync('/etc/os-release') ? fs.readFileSync('/etc/os-release', 'utf8') : '');
  const plan = installPlan({ os, hasApt: fs.existsSync('/usr/bin/apt-get') });
  if (plan.install) {
    log("e2e: no Chromium or Chrome on this machine; installing Debian's chromium package (apt-get update, apt-get install -y chromium), as CI does ...");
    for (const args of [['apt-get', 'update'], plan.install]) {
      const r = spawnSync(args[0], args.slice(1), { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
      if (r.status !== 0) throw new Error(`"${args.join(' ')}" failed (exit ${r.status}); install a browser yourself or set LATHE_CHROMIUM`);
    }
    const after = findBrowser();
    if (after?.path) return after.path;
    throw new Error('apt-get installed chromium but no browser was found afterwards; set LATHE_CHROMIUM');
  }
  throw new Error(`no Chromium or Chrome found. Run: ${plan.command}   (or set LATHE_CHROMIUM to a Chromium or Chrome binary)`);
}
