/**
 * The IPC bridge end to end, minus Electron: the real preload bundle runs in a VM context whose only
 * module is a fake 'electron' (contextBridge, ipcRenderer, webUtils), and its invoke() goes to the real
 * call handler in front of a real engine on a temp workspace.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMain } from '../../scripts/build-main.mjs';
import type { LatheBridge } from '../../src/shared/bridge';
import { BRIDGE_CHANNELS, latheBridge } from '../../src/shared/bridge';
import type { AppInfo, LatheEvent } from '../../src/shared/contract';
import { LatheError } from '../../src/shared/errors';
import { createCallHandler } from '../../src/main/electron/callHandler';
import { errorData, toEnvelope, unwrapEnvelope } from '../../src/main/electron/envelope';
import { APP_ENTRY_URL, type IpcSenderFacts } from '../../src/main/electron/ipcGuard';
import type { Engine } from '../../src/main/engine/engine';
import { tempEngine } from '../helpers';

const trusted: IpcSenderFacts = { senderUrl: APP_ENTRY_URL, isMainFrame: true, isOurWindow: true };

describe('envelope', () => {
  it('wraps values and errors as plain data', async () => {
    expect(await toEnvelope(() => 42)).toEqual({ ok: true, value: 42 });
    const err = await toEnvelope(() => {
      throw new LatheError('NOT_FOUND', 'No dataset "x"', { where: 'name', hint: 'lathe data list' });
    });
    expect(err).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'No dataset "x"', where: 'name', hint: 'lathe data list' } });
    // structured-clone safe: no Error objects, no undefined fields
    expect(structuredClone(err)).toEqual(err);
    expect(Object.keys((await toEnvelope(() => Promise.reject(new TypeError('boom')))) as object)).toEqual(['ok', 'error']);
    expect(errorData(new TypeError('boom'))).toEqual({ code: 'INTERNAL', message: 'boom' });
    expect(errorData('a string')).toEqual({ code: 'INTERNAL', message: 'a string' });
  });

  it('unwraps ok envelopes and throws plain error objects', () => {
    expect(unwrapEnvelope({ ok: true, value: [1] })).toEqual([1]);
    expect(unwrapEnvelope({ ok: true })).toBeUndefined();
    const thrown = (() => {
      try {
        unwrapEnvelope({ ok: false, error: { code: 'IN_USE', message: 'busy', where: 'ref', extra: 'dropped' } });
      } catch (e) {
        return e;
      }
    })();
    expect(thrown).toEqual({ code: 'IN_USE', message: 'busy', where: 'ref' });
    expect(thrown).not.toBeInstanceOf(Error);
  });

  it('treats malformed envelopes and unknown codes as INTERNAL', () => {
    for (const bad of [null, undefined, 'ok', 1, {}, { ok: 'true', value: 1 }, { ok: false }, { ok: false, error: 'x' }]) {
      expect(() => unwrapEnvelope(bad)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    }
    expect(() => unwrapEnvelope({ ok: false, error: { code: 'HACKED', message: 5 } })).toThrow(
      expect.objectContaining({ code: 'INTERNAL', message: 'Unknown error' }),
    );
  });
});

describe('call handler (real engine)', () => {
  let engine: Engine;
  let cleanup: () => void;
  beforeAll(async () => {
    ({ engine, cleanup } = await tempEngine());
  });
  afterAll(() => cleanup());

  it('runs contract calls for the app window', async () => {
    const handle = createCallHandler({ engine });
    const env = await handle(trusted, 'app.info', {});
    expect(env).toMatchObject({ ok: true, value: { name: 'Lathe', home: engine.home } });
  });

  it('waits for an engine that is still opening', async () => {
    let resolve!: (e: Engine) => void;
    const pending = new Promise<Engine>((r) => (resolve = r));
    const handle = createCallHandler({ engine: pending });
    const answer = handle(trusted, 'app.info', undefined);
    resolve(engine);
    expect(await answer).toMatchObject({ ok: true });
  });

  it('refuses untrusted senders with FORBIDDEN and never reaches the engine', async () => {
    let reached = false;
    const spy = { ...engine, 'app.info': async () => ((reached = true), engine['app.info']({})) } as Engine;
    const refused: IpcSenderFacts[] = [];
    const handle = createCallHandler({ engine: spy, onRefused: (f) => refused.push(f) });
    const senders: IpcSenderFacts[] = [
      { ...trusted, senderUrl: 'lathe://app.evil/index.html' },
      { ...trusted, senderUrl: 'lathe://appx/' },
      { ...trusted, senderUrl: 'file:///tmp/evil.html' },
      { ...trusted, senderUrl: 'http://127.0.0.1:4000/' },
      { ...trusted, senderUrl: null },
      { ...trusted, isMainFrame: false },
      { ...trusted, isOurWindow: false },
    ];
    for (const facts of senders) {
      const env = await handle(facts, 'app.info', {});
      expect(env.ok).toBe(false);
      if (!env.ok) expect(env.error.code).toBe('FORBIDDEN');
    }
    expect(reached).toBe(false);
    expect(refused).toHaveLength(senders.length);
  });

  it('maps unknown calls, bad names and invalid input to errors as data', async () => {
    const handle = createCallHandler({ engine });
    expect(await handle(trusted, 'fs.readFile', { path: '/etc/passwd' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await handle(trusted, '__proto__', {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await handle(trusted, 'constructor', {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await handle(trusted, { name: 'app.info' }, {})).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', where: 'name' } });
    expect(await handle(trusted, 'datasets.versions', {})).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', where: 'name' } });
    expect(await handle(trusted, 'app.info', { sneaky: true })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('reports INTERNAL failures to the main process log', async () => {
    const broken = { ...engine, 'app.info': async () => Promise.reject(new Error('disk on fire')) } as Engine;
    const seen: string[] = [];
    const handle = createCallHandler({ engine: broken, onInternalError: (name) => seen.push(name) });
    expect(await handle(trusted, 'app.info', {})).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'disk on fire' } });
    expect(seen).toEqual(['app.info']);
  });
});

describe('preload bundle (in a VM with a fake electron module)', () => {
  let outdir: string;
  let engine: Engine;
  let cleanup: () => void;
  let exposed: Record<string, unknown>;
  let invoked: { channel: string; args: unknown[] }[];
  let listeners: Map<string, Set<(...a: unknown[]) => void>>;
  let required: string[];

  beforeAll(async () => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'lathe-preload-'));
    await buildMain({ outdir, only: ['preload'], quiet: true });
    ({ engine, cleanup } = await tempEngine());
    const handle = createCallHandler({ engine });
    exposed = {};
    invoked = [];
    listeners = new Map();
    required = [];
    const fakeElectron = {
      contextBridge: {
        exposeInMainWorld: (key: string, api: unknown) => {
          exposed[key] = api;
        },
      },
      ipcRenderer: {
        invoke: async (channel: string, ...args: unknown[]) => {
          invoked.push({ channel, args });
          // What Electron does: structured-clone the arguments (functions fail here).
          const [a, b] = structuredClone(args);
          if (channel === BRIDGE_CHANNELS.call) return handle(trusted, a, b);
          if (channel === BRIDGE_CHANNELS.pick) return { ok: true, value: `/picked/${(a as { kind: string }).kind}` };
          throw new Error(`No handler registered for '${channel}'`);
        },
        on: (channel: string, fn: (...a: unknown[]) => void) => {
          if (!listeners.has(channel)) listeners.set(channel, new Set());
          listeners.get(channel)!.add(fn);
        },
        removeListener: (channel: string, fn: (...a: unknown[]) => void) => listeners.get(channel)?.delete(fn),
      },
      webUtils: { getPathForFile: (file: { fakePath: string }) => file.fakePath },
    };
    const code = fs.readFileSync(path.join(outdir, 'preload.cjs'), 'utf8');
    const sandboxRequire = (id: string) => {
      required.push(id);
      if (id === 'electron') return fakeElectron;
      throw new Error(`module not found: ${id}`);
    };
    const module = { exports: {} };
    vm.runInNewContext(code, { require: sandboxRequire, module, exports: module.exports, console, structuredClone }, { filename: 'preload.cjs' });
  });
  afterAll(() => {
    cleanup();
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  const lathe = () => exposed.lathe as LatheBridge;

  it('requires only electron and exposes exactly the bridge', () => {
    expect(required).toEqual(['electron']);
    expect(Object.keys(exposed)).toEqual(['lathe']);
    expect(Object.keys(lathe()).sort()).toEqual(['call', 'door', 'onEvent', 'pathForFile', 'pick']);
    expect(lathe().door).toBe('electron');
  });

  it('call resolves with the output of the contract call', async () => {
    const info = (await lathe().call('app.info', {})) as AppInfo;
    expect(info.name).toBe('Lathe');
    expect(info.home).toBe(engine.home);
    expect(invoked.at(-1)).toEqual({ channel: BRIDGE_CHANNELS.call, args: ['app.info', {}] });
    // input defaults to {}
    await expect(lathe().call('app.info')).resolves.toMatchObject({ name: 'Lathe' });
  });

  it('call rejects with a plain {code, message, where, hint} object', async () => {
    const err = await lathe()
      .call('datasets.versions', { name: 42 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_INPUT', where: 'name' });
    expect(typeof (err as { message: unknown }).message).toBe('string');
    expect(err).not.toBeInstanceOf(Error);
    await expect(lathe().call('no.such.call', {})).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(lathe().call(7 as unknown as string, {})).rejects.toMatchObject({ code: 'INVALID_INPUT', where: 'name' });
    await expect(lathe().call('app.info', { f: () => 1 })).rejects.toMatchObject({ code: 'INVALID_INPUT', where: 'input' });
  });

  it('onEvent forwards only the event, and unsubscribes', () => {
    const got: LatheEvent[] = [];
    const off = lathe().onEvent((e) => got.push(e));
    const event: LatheEvent = { type: 'datasets.changed', data: { name: 'penguins' } };
    const fire = () => {
      for (const fn of listeners.get(BRIDGE_CHANNELS.event) ?? []) fn({ sender: 'ipcRenderer internals' }, event);
    };
    fire();
    expect(got).toEqual([event]);
    off();
    fire();
    expect(got).toHaveLength(1);
    expect(listeners.get(BRIDGE_CHANNELS.event)?.size).toBe(0);
    expect(() => lathe().onEvent('nope' as unknown as () => void)).toThrow(/needs a function/);
  });

  it('pick sends {kind} on its own channel; pathForFile uses webUtils', async () => {
    await expect(lathe().pick('folder')).resolves.toBe('/picked/folder');
    expect(invoked.at(-1)).toEqual({ channel: BRIDGE_CHANNELS.pick, args: [{ kind: 'folder' }] });
    expect(lathe().pathForFile({ fakePath: '/data/x.csv' } as unknown as File)).toBe('/data/x.csv');
  });

  it('latheBridge() finds it only when it is the Electron bridge', () => {
    const g = globalThis as { lathe?: unknown };
    expect(latheBridge()).toBeUndefined();
    g.lathe = { door: 'http' };
    expect(latheBridge()).toBeUndefined();
    g.lathe = lathe();
    expect(latheBridge()).toBe(lathe());
    delete g.lathe;
  });
});
