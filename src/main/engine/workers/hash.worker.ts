/**
 * Worker entry: sha256 off the main thread for store/hashWorker.ts. It hashes from the shared ring
 * the parent copies bytes into, answers every command that used ring bytes with `freed`, and runs
 * until the parent stops it.
 */
import { createHash } from 'node:crypto';
import { firstBadInChecks, firstBadInList, type HashCommand, type HashReply } from '../store/hashProtocol';
import { serveWorker } from './serveWorker';

serveWorker<'hash'>(({ sab }, ctx) => {
  const ring = Buffer.from(sab);
  let whole = createHash('sha256');
  let bad: string | null = null;
  const reply = (m: HashReply) => ctx.progress(m);
  ctx.onCommand((m: HashCommand) => {
    if (m.t === 'whole') {
      for (const [off, len] of m.parts) whole.update(ring.subarray(off, off + len));
    } else if (m.t === 'chunks') {
      if (bad === null) bad = firstBadInList(ring.subarray(m.off, m.off + m.n), m.list);
    } else if (m.t === 'piece') {
      const piece = ring.subarray(m.off, m.off + m.n);
      whole.update(piece);
      if (bad === null) bad = firstBadInChecks(piece, m.checks);
    } else {
      reply(m.t === 'digest' ? { t: 'digest', hex: whole.digest('hex'), bad } : { t: 'settled', bad });
      if (m.t === 'digest') whole = createHash('sha256');
      bad = null;
      return;
    }
    reply({ t: 'freed', n: m.n });
  });
  // Never settles: the parent ends the thread (HashWorker.close) when it has no more to hash.
  return new Promise<null>(() => {});
});
