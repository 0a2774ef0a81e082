import { describe, expect, it } from 'vitest';
import {
  APP_ENTRY_URL,
  APP_ORIGIN,
  CONTENT_SECURITY_POLICY,
  CSP_DIRECTIVES,
  isAllowedNavigation,
  isTrustedIpcSender,
  isTrustedSender,
  originOf,
  parsePickKind,
  withSecurityHeaders,
} from '../../src/main/electron/ipcGuard';

const hostile: unknown[] = [
  'lathe://app.evil/index.html',
  'lathe://appx/index.html',
  'lathe://app.evil.com/',
  'lathe://evil/app/index.html',
  'lathe://app@evil/index.html',
  'lathe://evil@app/index.html',
  'lathe://user:pw@app/',
  'lathe://app:8080/',
  'lathes://app/',
  'lathe:app/index.html',
  'lathe:/app/index.html',
  'lathe:///app/index.html',
  'file:///work/main/dist/renderer/index.html',
  'file://app/index.html',
  'http://127.0.0.1:5173/',
  'http://localhost/',
  'https://app/',
  'https://lathe.app/',
  'http://app/',
  'about:blank',
  'about:srcdoc',
  'data:text/html,<script>1</script>',
  'blob:lathe://app/1234',
  'javascript:alert(1)',
  'chrome://settings',
  'devtools://devtools/bundled/inspector.html',
  'null',
  '',
  ' lathe://app/',
  'lathe://a\npp/',
  'lathe://app/\t',
  'lathe://app.',
  'xlathe://app/',
  null,
  undefined,
  42,
  { toString: () => 'lathe://app/' },
  ['lathe://app/'],
  'lathe://app/'.padEnd(10_000, 'a'),
];

describe('originOf', () => {
  it('reads scheme and host of standard and custom schemes', () => {
    expect(originOf('lathe://app/index.html')).toBe('lathe://app');
    expect(originOf('https://example.com:8443/x?y#z')).toBe('https://example.com:8443');
    expect(APP_ORIGIN).toBe('lathe://app');
  });
  it('has no origin for credentials, opaque and unparsable URLs', () => {
    for (const url of ['lathe://a@app/', 'about:blank', 'data:,x', 'file:///etc/passwd', 'not a url', null, 1]) {
      expect(originOf(url)).toBeNull();
    }
  });
});

describe('isTrustedSender', () => {
  it('accepts the app origin, whatever the path, query or hash', () => {
    for (const url of [APP_ENTRY_URL, 'lathe://app/', 'lathe://app', 'lathe://app/datasets/penguins?x=1#rows', 'lathe://app/../index.html']) {
      expect(isTrustedSender(url), url).toBe(true);
    }
  });
  it.each(hostile.map((h) => [String(h).slice(0, 60), h]))('refuses %s', (_label, url) => {
    expect(isTrustedSender(url)).toBe(false);
  });
  it('compares against the given origin, not a prefix of it', () => {
    expect(isTrustedSender('lathe://app/', 'lathe://ap')).toBe(false);
    expect(isTrustedSender('lathe://application/', 'lathe://app')).toBe(false);
    expect(isTrustedSender('lathe://app/', 'not an origin')).toBe(false);
  });
});

describe('isTrustedIpcSender', () => {
  const good = { senderUrl: APP_ENTRY_URL, isMainFrame: true, isOurWindow: true };
  it('needs our window, its main frame and the app origin, all three', () => {
    expect(isTrustedIpcSender(good)).toBe(true);
    expect(isTrustedIpcSender({ ...good, isMainFrame: false })).toBe(false);
    expect(isTrustedIpcSender({ ...good, isOurWindow: false })).toBe(false);
    expect(isTrustedIpcSender({ ...good, senderUrl: null })).toBe(false);
    expect(isTrustedIpcSender({ ...good, senderUrl: 'lathe://app.evil/' })).toBe(false);
    expect(isTrustedIpcSender({ ...good, senderUrl: 'http://127.0.0.1:7777/?token=x' })).toBe(false);
  });
  it('does not accept truthy non-booleans', () => {
    expect(isTrustedIpcSender({ ...good, isMainFrame: 1 as unknown as boolean })).toBe(false);
  });
});

describe('isAllowedNavigation', () => {
  it('allows in-app navigation only', () => {
    expect(isAllowedNavigation('lathe://app/index.html#/experiments')).toBe(true);
    for (const url of hostile) expect(isAllowedNavigation(url), String(url).slice(0, 60)).toBe(false);
  });
});

describe('Content-Security-Policy', () => {
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values] as const;
    }),
  );
  it('allows scripts from the app only: no eval, no inline, no remote', () => {
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|wasm-unsafe-eval|strict-dynamic|\*|https?:/);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('default-src')).toEqual(["'self'"]);
  });
  it('has the required directives', () => {
    expect(directives.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(directives.get('img-src')).toEqual(["'self'", 'data:', 'blob:']);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(Object.keys(CSP_DIRECTIVES).length).toBe(directives.size);
  });
  it('replaces any CSP a response brings, whatever its case, and keeps other headers', () => {
    const out = withSecurityHeaders({
      'content-security-policy': ["default-src *; script-src 'unsafe-eval'"],
      'Content-Security-Policy-Report-Only': ['x'],
      'Content-Type': ['text/html'],
      'X-CONTENT-TYPE-OPTIONS': ['sniff'],
    });
    const csp = Object.entries(out).filter(([k]) => k.toLowerCase() === 'content-security-policy');
    expect(csp).toEqual([['Content-Security-Policy', [CONTENT_SECURITY_POLICY]]]);
    expect(out['Content-Type']).toEqual(['text/html']);
    expect(out['X-Content-Type-Options']).toEqual(['nosniff']);
    expect(Object.keys(out).filter((k) => k.toLowerCase() === 'x-content-type-options')).toHaveLength(1);
    expect(withSecurityHeaders(undefined)['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY]);
  });
});

describe('parsePickKind', () => {
  it('accepts file and folder', () => {
    expect(parsePickKind({ kind: 'file' })).toBe('file');
    expect(parsePickKind({ kind: 'folder' })).toBe('folder');
  });
  it.each([[{ kind: 'FILE' }], [{ kind: '/etc' }], [{}], [null], [undefined], ['dir'], [{ kind: ['file'] }]])('refuses %j', (input) => {
    expect(() => parsePickKind(input)).toThrowError(expect.objectContaining({ code: 'INVALID_INPUT', where: 'kind' }));
  });
});
