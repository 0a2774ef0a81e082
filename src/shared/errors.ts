/**
 * The one error type every door understands. `code` is stable (tests, scripts and the UI switch on it);
 * `message` is for people: what was wrong, where, and what to do.
 */
export const ERROR_CODES = {
  INVALID_INPUT: { status: 400, exit: 1 },
  NOT_FOUND: { status: 404, exit: 1 },
  ALREADY_EXISTS: { status: 409, exit: 1 },
  CONFLICT: { status: 409, exit: 1 },
  IN_USE: { status: 409, exit: 1 },
  BAD_FILE: { status: 422, exit: 1 },
  /** A signed file (a registry bundle) whose signature does not verify. */
  SIGNATURE: { status: 422, exit: 1 },
  CORRUPT_OBJECT: { status: 500, exit: 2 },
  UNAUTHORIZED: { status: 401, exit: 1 },
  FORBIDDEN: { status: 403, exit: 1 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, exit: 1 },
  /** The disk holding the workspace (or an export's target) is full: 507 Insufficient Storage; the user frees space. */
  DISK_FULL: { status: 507, exit: 1 },
  /** That disk reported an I/O error with space left (read-only, failing, disconnected). */
  DISK_ERROR: { status: 503, exit: 1 },
  INTERNAL: { status: 500, exit: 2 },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface LatheErrorData {
  code: ErrorCode;
  message: string;
  /** The offending input: a field name, a file path, `file:line`, a column. */
  where?: string;
  /** What the user can do about it. */
  hint?: string;
}

export class LatheError extends Error {
  readonly code: ErrorCode;
  readonly where?: string;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, opts: { where?: string; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'LatheError';
    this.code = code;
    this.where = opts.where;
    this.hint = opts.hint;
  }

  toJSON(): LatheErrorData {
    return { code: this.code, message: this.message, where: this.where, hint: this.hint };
  }

  static fromData(data: LatheErrorData): LatheError {
    return new LatheError(data.code in ERROR_CODES ? data.code : 'INTERNAL', data.message, data);
  }
}

export function isLatheError(e: unknown): e is LatheError {
  return e instanceof LatheError;
}

/** Anything thrown becomes a LatheError; unknown failures are INTERNAL and keep their message. */
export function toLatheError(e: unknown): LatheError {
  if (e instanceof LatheError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new LatheError('INTERNAL', message, { cause: e });
}

/** One line for a terminal or a toast: message, then where and hint when known. */
export function describeError(e: LatheErrorData): string {
  let s = e.message;
  if (e.where && !s.includes(e.where)) s += ` (at ${e.where})`;
  if (e.hint) s += `\n  → ${e.hint}`;
  return s;
}
