import { beforeEach, describe, expect, it } from 'vitest';
import { create } from 'zustand';
import { LatheError } from '../../src/shared/errors';
import { attempt, entry, field, idle, load, type Loadable } from '../../src/renderer/stores/loadable';
import { MAX_TOASTS, toasted, useToastStore } from '../../src/renderer/stores/toastStore';

interface S {
  list: Loadable<string[]>;
  byId: Record<string, Loadable<number>>;
  open: string | null;
  busy: boolean;
  error: LatheError | null;
}
const makeStore = () => create<S>()(() => ({ list: idle(), byId: {}, open: null, busy: false, error: null }));

/** A promise the test settles by hand, to order answers as a slow network would. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('load', () => {
  it('marks loading while keeping what was shown, then stores the data', async () => {
    const st = makeStore();
    st.setState({ list: { data: ['old'], loading: false, error: null } });
    const d = deferred<string[]>();
    const p = load(st.setState, st.getState, field('list'), () => d.promise);
    expect(st.getState().list).toEqual({ data: ['old'], loading: true, error: null });
    d.resolve(['new']);
    expect(await p).toEqual(['new']);
    expect(st.getState().list).toEqual({ data: ['new'], loading: false, error: null });
  });

  it('drops an older answer that arrives after a newer one (stale-request guard)', async () => {
    const st = makeStore();
    const slow = deferred<string[]>();
    const fast = deferred<string[]>();
    const first = load(st.setState, st.getState, field('list'), () => slow.promise);
    const second = load(st.setState, st.getState, field('list'), () => fast.promise);
    fast.resolve(['second']);
    await second;
    slow.resolve(['first']);
    expect(await first).toBeUndefined();
    expect(st.getState().list.data).toEqual(['second']);
    expect(st.getState().list.loading).toBe(false);
  });

  it('ignores an answer no longer wanted (still), and a stale failure too', async () => {
    const st = makeStore();
    st.setState({ open: 'a' });
    const d = deferred<string[]>();
    const p = load(st.setState, st.getState, field('list'), () => d.promise, { still: (s) => s.open === 'a' });
    st.setState({ open: 'b', list: idle() });
    d.reject(new LatheError('NOT_FOUND', 'gone'));
    expect(await p).toBeUndefined();
    expect(st.getState().list).toEqual(idle());
  });

  it('keeps the data under an error, or drops it with dropOnError; never throws', async () => {
    const st = makeStore();
    st.setState({ list: { data: ['kept'], loading: false, error: null } });
    await load(st.setState, st.getState, field('list'), () => Promise.reject(new LatheError('DISK_ERROR', 'disk said no')));
    expect(st.getState().list.data).toEqual(['kept']);
    expect(st.getState().list.error?.code).toBe('DISK_ERROR');
    await load(st.setState, st.getState, field('list'), () => Promise.reject(new Error('boom')), { dropOnError: true });
    expect(st.getState().list.data).toBeNull();
    expect(st.getState().list.error?.message).toContain('boom');
  });

  it('fills one entry of a record, reuses it when asked, and guards entries apart', async () => {
    const st = makeStore();
    let calls = 0;
    const fetch = (n: number) => async () => (calls++, n);
    await Promise.all([load(st.setState, st.getState, entry('byId', 'a'), fetch(1)), load(st.setState, st.getState, entry('byId', 'b'), fetch(2))]);
    expect(st.getState().byId.a.data).toBe(1);
    expect(st.getState().byId.b.data).toBe(2);
    await load(st.setState, st.getState, entry('byId', 'a'), fetch(3), { reuse: true });
    expect(calls).toBe(2);
    expect(st.getState().byId.a.data).toBe(1);
  });

  it('sets dependent state with the data in the same update (also)', async () => {
    const st = makeStore();
    const seen: Array<[string[] | null, string | null]> = [];
    st.subscribe((s) => seen.push([s.list.data, s.open]));
    await load(st.setState, st.getState, field('list'), async () => ['x', 'y'], { also: (data) => ({ open: data[0] }) });
    expect(seen.at(-1)).toEqual([['x', 'y'], 'x']);
    expect(seen.some(([d, o]) => d !== null && o === null)).toBe(false);
  });
});

describe('attempt', () => {
  it('marks busy, clears the last error, and keeps a failure', async () => {
    const st = makeStore();
    st.setState({ error: new LatheError('CONFLICT', 'before') });
    const d = deferred<number>();
    const p = attempt(st.setState, () => d.promise);
    expect(st.getState()).toMatchObject({ busy: true, error: null });
    d.reject(new LatheError('INVALID_INPUT', 'no'));
    expect(await p).toBeUndefined();
    expect(st.getState()).toMatchObject({ busy: false, error: { code: 'INVALID_INPUT' } });
    expect(await attempt(st.setState, async () => 7)).toBe(7);
    expect(st.getState()).toMatchObject({ busy: false, error: null });
  });

  it('writes nothing for an answer no longer wanted (still): the newer attempt owns busy and error', async () => {
    const st = makeStore();
    let seq = 0;
    const guarded = <T>(p: Promise<T>) => {
      const mine = ++seq;
      return attempt(st.setState, () => p, { still: () => mine === seq });
    };
    const older = deferred<number>();
    const newer = deferred<number>();
    const a = guarded(older.promise);
    const b = guarded(newer.promise);
    older.reject(new LatheError('INTERNAL', 'late failure'));
    expect(await a).toBeUndefined();
    expect(st.getState()).toMatchObject({ busy: true, error: null });
    newer.resolve(2);
    expect(await b).toBe(2);
    expect(st.getState()).toMatchObject({ busy: false, error: null });
    // A late success after a newer failure does not clear that failure either.
    const c = guarded(Promise.resolve(3));
    const d = guarded(Promise.reject(new LatheError('CONFLICT', 'newest')));
    expect(await d).toBeUndefined();
    expect(await c).toBeUndefined();
    expect(st.getState()).toMatchObject({ busy: false, error: { code: 'CONFLICT' } });
  });
});

describe('toasts', () => {
  beforeEach(() => useToastStore.setState({ toasts: [], tasks: {} }));

  it('shows one toast for the same message, counted, and at most MAX_TOASTS', () => {
    const t = useToastStore.getState();
    t.error(new LatheError('DISK_ERROR', 'disk full'));
    t.error(new LatheError('DISK_ERROR', 'disk full'));
    t.error(new LatheError('DISK_ERROR', 'disk full'));
    expect(useToastStore.getState().toasts).toHaveLength(1);
    expect(useToastStore.getState().toasts[0].count).toBe(3);
    for (let i = 0; i < 10; i++) t.push({ kind: 'info', message: `note ${i}` });
    const shown = useToastStore.getState().toasts;
    expect(shown).toHaveLength(MAX_TOASTS);
    expect(shown.at(-1)?.message).toBe('note 9');
  });

  it('a later success of the same action dismisses the failure toasts of earlier attempts', async () => {
    let fail = true;
    const act = () => (fail ? Promise.reject(new LatheError('CONFLICT', 'the queue is full')) : Promise.resolve('ok'));
    expect(await toasted('training.resume:r1', act)).toBeUndefined();
    expect(await toasted('other', () => Promise.reject(new LatheError('INTERNAL', 'another action failed')))).toBeUndefined();
    expect(useToastStore.getState().toasts.map((x) => x.message)).toEqual(['the queue is full', 'another action failed']);
    fail = false;
    expect(await toasted('training.resume:r1', act, () => 'Resumed')).toBe('ok');
    const left = useToastStore.getState().toasts;
    expect(left.map((x) => [x.kind, x.message])).toEqual([
      ['error', 'another action failed'],
      ['success', 'Resumed'],
    ]);
  });
});
