import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { LatheError } from '../../shared/errors';
import type { IngestResult, JoinResult } from '../../shared/monitoring';
import { dispatch } from '../engine/dispatch';
import { receiveUpload } from './uploads';

/**
 * `POST /api/monitor/ingest?ref=<model-ref>[&kind=predictions|labels|outcomes]`: a raw body of
 * prediction-log NDJSON (`Content-Type: application/x-ndjson`) or labels / outcomes CSV (`text/csv`),
 * for a serving process on this machine. Neither type is one a cross-site form can send, and the
 * token, host and origin checks ran before this. The body streams to the workspace's tmp/uploads and
 * goes through the same contract call as a file (`monitor.ingest`, `monitor.labels`, `monitor.outcomes`),
 * so it is validated, batched and idempotent the same way; problems name `body:<line>`.
 */
const TYPES = { predictions: /^application\/(x-)?ndjson\b/i, labels: /^text\/csv\b/i, outcomes: /^text\/csv\b/i } as const;

export async function receiveMonitorIngest(engine: Parameters<typeof dispatch>[0], req: IncomingMessage, url: URL, tmpDir: string): Promise<IngestResult | JoinResult> {
  const ref = url.searchParams.get('ref');
  if (!ref) throw new LatheError('INVALID_INPUT', 'Say which model the log is for: ?ref=<model-ref>', { where: 'ref' });
  const kind = (url.searchParams.get('kind') ?? 'predictions') as keyof typeof TYPES;
  if (!(kind in TYPES)) throw new LatheError('INVALID_INPUT', `kind must be predictions, labels or outcomes, not "${kind}"`, { where: 'kind' });
  if (!TYPES[kind].test(req.headers['content-type'] ?? '')) {
    throw new LatheError('UNSUPPORTED_MEDIA_TYPE', `Send ${kind} as ${kind === 'predictions' ? 'application/x-ndjson' : 'text/csv'}`, { where: 'Content-Type' });
  }
  const up = await receiveUpload(req, tmpDir, `monitor-${randomUUID()}`, kind === 'predictions' ? 'log.ndjson' : `${kind}.csv`);
  try {
    const call = kind === 'predictions' ? 'monitor.ingest' : kind === 'labels' ? 'monitor.labels' : 'monitor.outcomes';
    const out = (await dispatch(engine, call, { ref, files: [up.file] })) as IngestResult | JoinResult;
    for (const p of out.problems) p.where = p.where.replace(up.file, 'body');
    return out;
  } finally {
    fs.rmSync(up.folder, { recursive: true, force: true });
  }
}
