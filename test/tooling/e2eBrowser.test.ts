import { describe, expect, it } from 'vitest';
import { candidatePaths, findBrowser, installPlan, osRelease } from '../e2e/browser.mjs';

/** The e2e runner on a fresh machine: which browser it drives, and what it does when there is none. */

const only = (...present: string[]) => (p: string) => present.includes(p);

describe('findBrowser', () => {
  it('takes LATHE_CHROMIUM first, and refuses one that does not exist rather than picking another', () => {
    expect(findBrowser({ env: { LATHE_CHROMIUM: '/opt/c/chrome' }, platform: 'linux', exists: only('/opt/c/chrome', '/usr/bin/chromium') })).toEqual({ path: '/opt/c/chrome', source: 'LATHE_CHROMIUM' });
    expect(findBrowser({ env: { LATHE_CHROMIUM: '/typo' }, platform: 'linux', exists: only('/usr/bin/chromium') })).toEqual({ error: expect.stringMatching(/\/typo/) });
  });
  it("finds the system's Chromium, then Chrome, then one on the PATH", () => {
    expect(findBrowser({ env: {}, platform: 'linux', exists: only('/usr/bin/chromium', '/usr/bin/google-chrome') })?.path).toBe('/usr/bin/chromium');
    expect(findBrowser({ env: {}, platform: 'linux', exists: only('/usr/bin/google-chrome-stable') })?.path).toBe('/usr/bin/google-chrome-stable');
    expect(findBrowser({ env: { PATH: '/x/bin:/home/u/bin' }, platform: 'linux', exists: only('/home/u/bin/chromium') })).toEqual({ path: '/home/u/bin/chromium', source: 'PATH' });
    expect(findBrowser({ env: {}, platform: 'darwin', exists: only('/Applications/Google Chrome.app/Contents/MacOS/Google Chrome') })?.source).toBe('system');
    expect(candidatePaths('win32', { PROGRAMFILES: 'C:\\Program Files' })).toContain('C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe');
    expect(findBrowser({ env: { PATH: '/usr/bin' }, platform: 'linux', exists: () => false })).toBeNull();
  });
});

describe('installPlan', () => {
  const debian = osRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n');
  it("installs Debian's chromium itself only on Debian, as root, with apt-get", () => {
    expect(debian.ID).toBe('debian');
    expect(installPlan({ platform: 'linux', isRoot: true, os: debian, hasApt: true })).toEqual({ install: ['apt-get', 'install', '-y', '--no-install-recommends', 'chromium'] });
    expect(installPlan({ platform: 'linux', isRoot: false, os: debian, hasApt: true })).toEqual({ command: 'sudo apt-get install -y chromium' });
  });
  it('elsewhere names the one command to run', () => {
    expect(installPlan({ platform: 'linux', isRoot: true, os: osRelease('ID=ubuntu\nID_LIKE=debian'), hasApt: true })).toEqual({ command: 'sudo snap install chromium' });
    expect(installPlan({ platform: 'linux', isRoot: false, os: osRelease('ID=fedora') }).command).toMatch(/dnf install/);
    expect(installPlan({ platform: 'darwin', os: {} }).command).toMatch(/brew/);
    expect(installPlan({ platform: 'win32', os: {} }).command).toMatch(/winget/);
  });
});
