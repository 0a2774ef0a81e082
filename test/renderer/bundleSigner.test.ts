import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BundleSigner } from '../../src/shared/bundles';
import type { BundleImportResult } from '../../src/shared/registry';
import { setTransport } from '../../src/renderer/transport';
import { initialBundlesState, shortFingerprint, useBundlesStore } from '../../src/renderer/stores/bundlesStore';
import { fakeTransport, sketch } from './fakeTransport';

/** The bundle panel's signer: an unknown signer is trusted from the dry run, which is then checked again. */
const FP = 'ab12cd34'.repeat(8);
const signer = (known: boolean): BundleSigner => ({ signed: true, fingerprint: FP, name: 'alice@a', known, self: false, warning: known ? null : 'unknown key' });
const dry = (known: boolean) => sketch<BundleImportResult>({ dryRun: true, formatVersion: 1, added: {}, unchanged: {}, conflicts: [], renumbered: [], objects: { total: 0, new: 0, bytes: 0 }, signer: signer(known), warnings: known ? [] : ['unknown key'] });

describe('bundle signer in the import panel', () => {
  beforeEach(() => useBundlesStore.setState(initialBundlesState));
  afterEach(() => setTransport(null));

  it('trusting the signer adds the checked file to the keyring, then the dry run says known', async () => {
    let trusted = false;
    const t = fakeTransport({
      'bundle.import': () => dry(trusted),
      'keys.trust': (i) => {
        trusted = true;
        return { fingerprint: FP, name: i.name ?? 'alice@a', publicKey: 'PEM', createdAt: 1 };
      },
    });
    setTransport(t);
    useBundlesStore.getState().setFile('/tmp/from-alice.tar');
    await useBundlesStore.getState().checkImport();
    expect(useBundlesStore.getState().dryRun?.signer?.known).toBe(false);
    await useBundlesStore.getState().trustSigner();
    expect(t.calls.map((c) => c[0])).toEqual(['bundle.import', 'keys.trust', 'bundle.import']);
    expect(t.calls[1][1]).toEqual({ bundle: '/tmp/from-alice.tar' });
    expect(useBundlesStore.getState().dryRun?.signer?.known).toBe(true);
  });

  it('a failed trust keeps the dry run and shows the reason', async () => {
    setTransport(fakeTransport({ 'bundle.import': () => dry(false), 'keys.trust': () => Promise.reject(new Error('nope')) }));
    useBundlesStore.getState().setFile('/tmp/x.tar');
    await useBundlesStore.getState().checkImport();
    await useBundlesStore.getState().trustSigner();
    expect(useBundlesStore.getState().importError?.message).toMatch(/nope/);
    expect(useBundlesStore.getState().dryRun).not.toBeNull();
  });

  it('short fingerprints group hex digits in fours', () => {
    expect(shortFingerprint(FP)).toBe('ab12:cd34:ab12:cd34');
    expect(shortFingerprint(null)).toBe('');
  });
});
