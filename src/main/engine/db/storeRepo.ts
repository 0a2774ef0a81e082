import type { Db } from './connection';
import { lazyStatements } from './statements';

export interface ChunkLocation {
  hash: string;
  pack_id: string;
  offset: number;
  length: number;
}
export interface BlobChunk {
  seq: number;
  chunk_hash: string;
  offset: number;
  length: number;
}

/** SQL for the object store's index: packs, chunks, blobs. */
export class StoreRepo {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = lazyStatements(db, {
      hasChunk: () => db.prepare('SELECT 1 FROM chunks WHERE hash = ?').pluck(),
      chunk: () => db.prepare('SELECT hash, pack_id, offset, length FROM chunks WHERE hash = ?'),
      insertPack: () => db.prepare('INSERT INTO packs (id, size, created_at) VALUES (?, ?, ?)'),
      insertChunk: () => db.prepare('INSERT OR IGNORE INTO chunks (hash, pack_id, offset, length) VALUES (?, ?, ?, ?)'),
      hasBlob: () => db.prepare('SELECT 1 FROM blobs WHERE hash = ?').pluck(),
      blob: () => db.prepare('SELECT hash, size, chunk_count FROM blobs WHERE hash = ?'),
      insertBlob: () => db.prepare('INSERT OR IGNORE INTO blobs (hash, size, chunk_count, created_at) VALUES (?, ?, ?, ?)'),
      insertBlobChunk: () => db.prepare(
        'INSERT OR IGNORE INTO blob_chunks (blob_hash, seq, chunk_hash, offset, length) VALUES (?, ?, ?, ?, ?)',
      ),
      blobChunks: () => db.prepare('SELECT seq, chunk_hash, offset, length FROM blob_chunks WHERE blob_hash = ? ORDER BY seq'),
      blobChunksInRange: () => db.prepare(
        `SELECT seq, chunk_hash, offset, length FROM blob_chunks
         WHERE blob_hash = ? AND offset < ? AND offset + length > ? ORDER BY seq`,
      ),
      blobChunkLocations: () => db.prepare(
        `SELECT bc.chunk_hash AS hash, bc.length AS length, c.pack_id AS pack_id, c.offset AS offset
         FROM blob_chunks bc LEFT JOIN chunks c ON c.hash = bc.chunk_hash
         WHERE bc.blob_hash = ? ORDER BY bc.seq`,
      ),
      packIds: () => db.prepare('SELECT id FROM packs').pluck(),
      allChunks: () => db.prepare('SELECT hash, pack_id, offset, length FROM chunks ORDER BY pack_id, offset'),
      allBlobs: () => db.prepare('SELECT hash, size FROM blobs'),
    });
  }

  hasChunk(hash: string): boolean {
    return this.s.hasChunk.get(hash) !== undefined;
  }
  chunk(hash: string): ChunkLocation | undefined {
    return this.s.chunk.get(hash) as ChunkLocation | undefined;
  }
  hasBlob(hash: string): boolean {
    return this.s.hasBlob.get(hash) !== undefined;
  }
  blob(hash: string): { hash: string; size: number; chunk_count: number } | undefined {
    return this.s.blob.get(hash) as { hash: string; size: number; chunk_count: number } | undefined;
  }
  blobChunks(hash: string): BlobChunk[] {
    return this.s.blobChunks.all(hash) as BlobChunk[];
  }
  /** A blob's chunks in order with where each is stored (`pack_id` null: the chunk row is missing). */
  blobChunkLocations(hash: string): { hash: string; length: number; pack_id: string | null; offset: number | null }[] {
    return this.s.blobChunkLocations.all(hash) as { hash: string; length: number; pack_id: string | null; offset: number | null }[];
  }
  blobChunksInRange(hash: string, start: number, end: number): BlobChunk[] {
    return this.s.blobChunksInRange.all(hash, end, start) as BlobChunk[];
  }
  insertPack(id: string, size: number): void {
    this.s.insertPack.run(id, size, new Date().toISOString());
  }
  insertChunk(c: ChunkLocation): void {
    this.s.insertChunk.run(c.hash, c.pack_id, c.offset, c.length);
  }
  insertBlob(hash: string, size: number, chunks: { hash: string; offset: number; length: number }[]): void {
    const fresh = this.s.insertBlob.run(hash, size, chunks.length, new Date().toISOString()).changes > 0;
    if (!fresh) return;
    chunks.forEach((c, seq) => this.s.insertBlobChunk.run(hash, seq, c.hash, c.offset, c.length));
  }
  packIds(): string[] {
    return this.s.packIds.all() as string[];
  }
  allChunks(): ChunkLocation[] {
    return this.s.allChunks.all() as ChunkLocation[];
  }
  allBlobs(): { hash: string; size: number }[] {
    return this.s.allBlobs.all() as { hash: string; size: number }[];
  }

  /**
   * Blobs referenced by anything. Every table that points at a blob must be listed here, or gc would
   * free what it needs: add new referencing columns to this union when a feature adds one.
   */
  liveBlobHashes(): Set<string> {
    const rows = this.db
      .prepare(
        `SELECT blob_hash AS h FROM dataset_files
         UNION SELECT index_blob FROM dataset_versions WHERE index_blob IS NOT NULL
         UNION SELECT blob_hash FROM run_artifacts
         UNION SELECT blob_hash FROM model_files`,
      )
      .pluck()
      .all() as string[];
    return new Set(rows);
  }

  deleteBlobs(hashes: string[]): void {
    const del = this.db.prepare('DELETE FROM blobs WHERE hash = ?');
    for (const h of hashes) del.run(h);
  }
  /** Chunks no remaining blob uses. */
  deadChunks(): ChunkLocation[] {
    return this.db
      .prepare(
        `SELECT c.hash, c.pack_id, c.offset, c.length FROM chunks c
         WHERE NOT EXISTS (SELECT 1 FROM blob_chunks b WHERE b.chunk_hash = c.hash)`,
      )
      .all() as ChunkLocation[];
  }
  deleteChunks(hashes: string[]): void {
    const del = this.db.prepare('DELETE FROM chunks WHERE hash = ?');
    for (const h of hashes) del.run(h);
  }
  chunksInPack(packId: string): ChunkLocation[] {
    return this.db
      .prepare('SELECT hash, pack_id, offset, length FROM chunks WHERE pack_id = ? ORDER BY offset')
      .all(packId) as ChunkLocation[];
  }
  moveChunk(hash: string, packId: string, offset: number): void {
    this.db.prepare('UPDATE chunks SET pack_id = ?, offset = ? WHERE hash = ?').run(packId, offset, hash);
  }
  deletePack(id: string): void {
    this.db.prepare('DELETE FROM packs WHERE id = ?').run(id);
  }
}
