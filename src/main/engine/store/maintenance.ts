import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/connection';
import type { ChunkLocation } from '../db/storeRepo';
import { fsyncDir } from './durable';
import type { ObjectStore } from './objectStore';
import { newPackId } from './stageSession';

/** Keeping the store small: garbage collection (dead blobs, chunks and packs) and leftover temp files. */

export interface GcResult {
  blobsRemoved: number;
  chunksRemoved: number;
  packsRewritten: number;
  bytesFreed: number;
}

/**
 * Frees what nothing references: blobs no row points at, chunks no blob uses, packs rewritten
 * without their dead chunks, and pack files the database never recorded (a crash between seal and
 * commit).
 */
export function collectGarbage(store: ObjectStore, db: Db): GcResult {
  const repo = store.repo;
  const live = repo.liveBlobHashes();
  const deadBlobs = repo.allBlobs().filter((b) => !live.has(b.hash)).map((b) => b.hash);
  db.transaction(() => repo.deleteBlobs(deadBlobs))();
  const dead = repo.deadChunks();
  const deadSet = new Set(dead.map((c) => c.hash));
  const packsTouched = new Set(dead.map((c) => c.pack_id));
  let bytesFreed = 0;
  let packsRewritten = 0;
  for (const packId of packsTouched) {
    const chunks = repo.chunksInPack(packId);
    const keep = chunks.filter((c) => !deadSet.has(c.hash));
    const oldSize = fs.statSync(store.packPath(packId)).size;
    const newPack = keep.length > 0 ? copyChunksToNewPack(store, keep) : null;
    db.transaction(() => {
      repo.deleteChunks(chunks.filter((c) => deadSet.has(c.hash)).map((c) => c.hash));
      if (newPack) {
        let offset = 0;
        for (const c of keep) {
          repo.moveChunk(c.hash, newPack.id, offset);
          offset += c.length;
        }
        repo.insertPack(newPack.id, newPack.size);
      }
      repo.deletePack(packId);
    })();
    store.releasePack(packId);
    fs.rmSync(store.packPath(packId), { force: true });
    bytesFreed += oldSize - (newPack?.size ?? 0);
    packsRewritten++;
  }
  bytesFreed += removeUnrecordedPacks(store);
  return { blobsRemoved: deadBlobs.length, chunksRemoved: dead.length, packsRewritten, bytesFreed };
}

/** The live chunks of a pack copied (each re-verified on read) into a new, synced pack. */
function copyChunksToNewPack(store: ObjectStore, keep: ChunkLocation[]): { id: string; size: number } {
  const id = newPackId();
  const tmp = store.tempPath('.pack.tmp');
  const fd = fs.openSync(tmp, 'w');
  let size = 0;
  try {
    for (const c of keep) {
      const data = store.readChunk(c.hash);
      fs.writeSync(fd, data, 0, data.length, size);
      size += data.length;
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, store.packPath(id));
  fsyncDir(store.packsDir);
  return { id, size };
}

function removeUnrecordedPacks(store: ObjectStore): number {
  const known = new Set(store.repo.packIds());
  let freed = 0;
  for (const f of fs.readdirSync(store.packsDir)) {
    const id = f.replace(/\.pack$/, '');
    if (known.has(id)) continue;
    const p = path.join(store.packsDir, f);
    freed += fs.statSync(p).size;
    fs.rmSync(p, { force: true });
  }
  return freed;
}

/** Removes everything in the workspace's tmp/ (left by an interrupted import or export); returns how many. */
export function removeTemp(tmpDir: string): number {
  let n = 0;
  for (const f of fs.readdirSync(tmpDir)) {
    fs.rmSync(path.join(tmpDir, f), { recursive: true, force: true });
    n++;
  }
  return n;
}
