import { eventNames, type CallInput, type CallName, type CallOutput, type LatheEvent } from '../../shared/contract';
import { LatheError, type LatheErrorData } from '../../shared/errors';
import type { EventListener, Transport, UploadItem } from './transport';

/** A random upload batch id (6-64 of [A-Za-z0-9_-], as the server wants). */
export function newBatchId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return 'b' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The path datasets.add should import after an upload: the single file, or the top folder. */
export function importPathForUpload(items: UploadItem[], uploaded: { file: string; folder: string }[]): string {
  if (items.length === 1 && !items[0].relativePath.includes('/')) return uploaded[0].file;
  const top = items[0].relativePath.split('/')[0];
  const folder = uploaded[0].folder;
  const sep = folder.includes('\\') && !folder.includes('/') ? '\\' : '/';
  return folder.endsWith(sep) ? folder + top : folder + sep + top;
}

async function readError(res: Response): Promise<LatheError> {
  try {
    const body = (await res.json()) as { error?: LatheErrorData };
    if (body.error) return LatheError.fromData(body.error);
  } catch {
    // not JSON: fall through
  }
  return new LatheError('INTERNAL', `The Lathe server answered ${res.status} ${res.statusText}`.trim());
}

const unreachable = (e: unknown) =>
  new LatheError('INTERNAL', 'The Lathe server is not reachable', {
    where: e instanceof Error ? e.message : undefined,
    hint: 'Is `lathe serve` still running? Restart it and open the URL it prints.',
  });

function uploadOne(batch: string, item: UploadItem, onBytes: (loaded: number) => void): Promise<{ file: string; folder: string; bytes: number }> {
  // XMLHttpRequest (not fetch) because it reports upload progress.
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const q = new URLSearchParams({ batch, path: item.relativePath });
    xhr.open('POST', `/api/upload?${q}`);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.onprogress = (ev) => onBytes(ev.loaded);
    xhr.onerror = () => reject(unreachable(new Error('upload failed')));
    xhr.onload = () => {
      let body: { error?: LatheErrorData; file?: string; folder?: string; bytes?: number } = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // handled below
      }
      if (xhr.status >= 200 && xhr.status < 300 && body.file) {
        onBytes(item.file.size);
        resolve(body as { file: string; folder: string; bytes: number });
      } else {
        reject(body.error ? LatheError.fromData(body.error) : new LatheError('INTERNAL', `Upload failed (${xhr.status})`, { where: item.relativePath }));
      }
    };
    xhr.send(item.file);
  });
}

/** The browser door: same-origin fetch (authenticated by the HttpOnly cookie), SSE for events. */
export function createHttpTransport(): Transport {
  const listeners = new Set<EventListener>();
  let source: EventSource | null = null;

  function open() {
    if (source) return;
    source = new EventSource('/api/events');
    for (const type of eventNames) {
      source.addEventListener(type, (ev) => {
        let data: unknown;
        try {
          data = JSON.parse((ev as MessageEvent<string>).data);
        } catch {
          return;
        }
        const event = { type, data } as LatheEvent;
        for (const l of listeners) l(event);
      });
    }
  }

  return {
    door: 'http',
    async call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> {
      let res: Response;
      try {
        res = await fetch(`/api/call/${encodeURIComponent(name)}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(input ?? {}),
          credentials: 'same-origin',
        });
      } catch (e) {
        throw unreachable(e);
      }
      if (!res.ok) throw await readError(res);
      const body = (await res.json()) as { value: CallOutput<K> };
      return body.value;
    },
    subscribe(listener) {
      listeners.add(listener);
      open();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && source) {
          source.close();
          source = null;
        }
      };
    },
    async upload(items, onProgress) {
      if (items.length === 0) throw new LatheError('INVALID_INPUT', 'Nothing to upload: choose a file or a folder', { where: 'file' });
      const batch = newBatchId();
      const totalBytes = items.reduce((s, i) => s + i.file.size, 0);
      const done: { file: string; folder: string }[] = [];
      let sentBefore = 0;
      const report = (current: number) =>
        onProgress?.({ sentBytes: sentBefore + current, totalBytes, files: items.length, filesDone: done.length });
      // One at a time keeps memory flat and progress honest; folders of images are many small files.
      for (const item of items) {
        const r = await uploadOne(batch, item, report);
        done.push(r);
        sentBefore += item.file.size;
        report(0);
      }
      return importPathForUpload(items, done);
    },
  };
}
