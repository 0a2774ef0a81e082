/**
 * The security decisions of the Electron door, as pure functions (no Electron import) so they are unit
 * tested with hostile inputs: which origin the app has, who may call over IPC, where the window may
 * navigate, and the Content-Security-Policy.
 *
 * Origins are compared after parsing, field by field — never by string prefix (`lathe://app.evil`,
 * `lathe://appx`, `lathe://app@evil` must all fail).
 */
import type { PickKind } from '../../shared/bridge';
import { LatheError } from '../../shared/errors';

export const APP_SCHEME = 'lathe';
export const APP_HOST = 'app';
/** The one origin the renderer is served from (a registered standard + secure scheme, never file://). */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * `scheme://host[:port]` of a URL, or null when it has none or is suspicious (credentials, unparsable).
 * Computed by hand because WHATWG URL reports `origin === 'null'` for non-special schemes like lathe:.
 */
export function originOf(url: unknown): string | null {
  if (typeof url !== 'string' || url.length === 0 || url.length > 8192) return null;
  // The URL parser silently strips leading/trailing spaces and inner tabs/newlines; a canonical URL
  // from Chromium has none, so anything carrying them is refused rather than normalised.
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (/[\u0000-\u0020\u007f]/.test(url)) return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.username !== '' || u.password !== '') return null;
  if (u.host === '') return null; // file:///..., about:blank, data:, javascript:
  return `${u.protocol}//${u.host}`;
}

/** True when `url` has exactly the app's origin. */
export function isAppOrigin(url: unknown, appOrigin: string = APP_ORIGIN): boolean {
  const expected = originOf(appOrigin);
  const actual = originOf(url);
  return expected !== null && actual !== null && actual === expected;
}

/** May a frame at `senderUrl` call into the engine? Only the app's own origin. */
export function isTrustedSender(senderUrl: unknown, appOrigin: string = APP_ORIGIN): boolean {
  return isAppOrigin(senderUrl, appOrigin);
}

export interface IpcSenderFacts {
  /** `event.senderFrame?.url` (null when the frame is gone). */
  senderUrl: string | null | undefined;
  /** The sending frame is the top frame of its page (not an iframe). */
  isMainFrame: boolean;
  /** The sending WebContents is our one BrowserWindow's. */
  isOurWindow: boolean;
}

/** The full IPC check: our window, its main frame, the app's origin. */
export function isTrustedIpcSender(facts: IpcSenderFacts, appOrigin: string = APP_ORIGIN): boolean {
  return facts.isOurWindow === true && facts.isMainFrame === true && isTrustedSender(facts.senderUrl, appOrigin);
}

/** `will-navigate` / `will-redirect`: stay inside the app; everything else is refused. */
export function isAllowedNavigation(url: unknown, appOrigin: string = APP_ORIGIN): boolean {
  return isAppOrigin(url, appOrigin);
}

/** The CSP for every response the window gets (set as a header; the renderer repeats it in a meta tag). */
export const CSP_DIRECTIVES: Readonly<Record<string, string>> = {
  'default-src': "'self'",
  'script-src': "'self'",
  // recharts writes inline style attributes
  'style-src': "'self' 'unsafe-inline'",
  'img-src': "'self' data: blob:",
  'font-src': "'self' data:",
  'connect-src': "'self'",
  'object-src': "'none'",
  'base-uri': "'none'",
  'form-action': "'none'",
  'frame-src': "'none'",
  'frame-ancestors': "'none'",
};

export const CONTENT_SECURITY_POLICY = Object.entries(CSP_DIRECTIVES)
  .map(([k, v]) => `${k} ${v}`)
  .join('; ');

export type ResponseHeaders = Record<string, string | string[]>;

/**
 * Response headers with Lathe's CSP (replacing any CSP already there, whatever its case) and a few
 * hardening headers. For `session.webRequest.onHeadersReceived` and the protocol handler.
 */
export function withSecurityHeaders(headers: ResponseHeaders | undefined): ResponseHeaders {
  const out: ResponseHeaders = {};
  const replaced = new Set(['content-security-policy', 'x-content-type-options', 'cross-origin-opener-policy']);
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (!replaced.has(k.toLowerCase())) out[k] = v;
  }
  out['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
  out['X-Content-Type-Options'] = ['nosniff'];
  out['Cross-Origin-Opener-Policy'] = ['same-origin'];
  return out;
}

/** Input of `lathe:pick`, checked (the renderer is not trusted to send the right shape). */
export function parsePickKind(input: unknown): PickKind {
  const kind = typeof input === 'object' && input !== null ? (input as { kind?: unknown }).kind : input;
  if (kind === 'file' || kind === 'folder') return kind;
  throw new LatheError('INVALID_INPUT', 'pick needs { kind: "file" } or { kind: "folder" }', { where: 'kind' });
}

/** The message for a refused IPC sender (FORBIDDEN envelope). */
export function untrustedSenderError(senderUrl: unknown): LatheError {
  const shown = typeof senderUrl === 'string' ? senderUrl.slice(0, 200) : String(senderUrl);
  return new LatheError('FORBIDDEN', `IPC call refused: sender ${shown || '(unknown)'} is not the Lathe window`, {
    where: 'senderFrame',
  });
}
