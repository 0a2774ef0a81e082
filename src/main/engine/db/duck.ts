import fs from 'node:fs';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { LatheError } from '../../../shared/errors';

/**
 * The embedded analytical engine raw logged rows are kept and queried with (DuckDB through
 * `@duckdb/node-api`; chosen by measurement, docs/MONITORING.md "Raw rows"). One in-memory instance
 * per workspace, opened at first use: it holds no state of its own (the rows are Parquet and NDJSON
 * files the monitoring repository records), so closing it loses nothing. Extensions are never
 * installed or loaded on demand (no network: JSON and Parquet are built into the binary), and its
 * spill files go under the workspace's own temp folder.
 */
export class Duck {
  private opening: Promise<DuckDBInstance> | null = null;
  private closed = false;

  constructor(private readonly tmpDir: string) {}

  /**
   * Runs `fn` on a connection of its own (its temporary tables are its own), opening the engine now
   * if needed; a clear error when the native engine cannot load.
   */
  async use<T>(fn: (con: DuckDBConnection) => Promise<T>): Promise<T> {
    this.checkOpen();
    this.opening ??= this.open();
    const instance = await this.opening;
    this.checkOpen(); // closed while it opened
    const con = await instance.connect();
    try {
      return await fn(con);
    } finally {
      con.closeSync();
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new LatheError('CONFLICT', 'The workspace is closing: raw logged rows are not read now');
  }

  private async open(): Promise<DuckDBInstance> {
    let api: typeof import('@duckdb/node-api');
    try {
      api = await import('@duckdb/node-api');
    } catch (e) {
      this.opening = null;
      throw new LatheError('INTERNAL', `The analytical engine for logged rows (DuckDB) did not load: ${(e as Error).message}`, {
        hint: 'Reinstall the app (its native DuckDB module is missing for this platform); monitoring windows and alerts work without it.',
      });
    }
    fs.mkdirSync(this.tmpDir, { recursive: true });
    return api.DuckDBInstance.create(':memory:', {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      temp_directory: this.tmpDir,
    });
  }

  /** True once `close` ran: long work checks it after each await and stops. */
  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
    const opening = this.opening;
    this.opening = null;
    // A query still running finishes on DuckDB's threads; its result is dropped.
    void opening?.then((instance) => instance.closeSync()).catch(() => undefined);
  }
}

/** An SQL string literal. */
export const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** An SQL identifier (a column name as logged: any text). */
export const sqlName = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** An SQL list of string literals. */
export const sqlList = (items: readonly string[]): string => `[${items.map(sqlString).join(', ')}]`;
