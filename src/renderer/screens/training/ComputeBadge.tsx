import { useEffect, useRef, useState } from 'react';
import type { BackendName } from '../../../shared/training';
import { useTrainingStore } from '../../stores/trainingStore';

/**
 * The top bar's compute badge: the active backend, and a popover saying why each faster backend did
 * not load and what to install to get it.
 */
export function ComputeBadge() {
  const compute = useTrainingStore((s) => s.compute);
  const setBackend = useTrainingStore((s) => s.setBackend);
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    void useTrainingStore.getState().loadCompute();
  }, []);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    window.addEventListener('mousedown', onDown);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('mousedown', onDown);
      window.removeEventListener('keydown', onKey);
    };
  }, [open]);
  const c = compute.data;
  if (!c && !compute.error) return null;
  const activeAt = c ? c.probes.findIndex((p) => p.name === c.active) : -1;
  return (
    <div className="compute" ref={box}>
      <button
        type="button"
        className={`button ghost compute-badge${c && activeAt > 0 ? ' degraded' : ''}`}
        onClick={() => setOpen(!open)}
        aria-expanded={open}
        data-testid="compute-badge"
        title="Compute backend"
      >
        <span className="compute-dot" aria-hidden />
        {c ? c.device : 'compute unknown'}
      </button>
      {open && (
        <div className="popover compute-popover" role="dialog" aria-label="Compute backends" data-testid="compute-popover">
          {compute.error && <div className="field-error small">{compute.error.message}</div>}
          {c && (
            <>
              <div className="popover-head">
                <strong>{c.active}</strong> <span className="muted">— {c.device}</span>
                {c.pinned && <span className="badge">pinned</span>}
              </div>
              <div className="muted small">
                {c.workers} training worker{c.workers === 1 ? '' : 's'}. Backends are tried fastest first; the first that loads wins.
              </div>
              <ol className="probe-list">
                {c.probes.map((p, i) => (
                  <li key={p.name} className={p.name === c.active ? 'probe active' : p.loaded ? 'probe' : 'probe off'} data-testid="compute-probe">
                    <div className="row gap">
                      <span className="mono">{p.name}</span>
                      <span className="muted small mono">{p.package}</span>
                      <span className="spacer" />
                      <span className="small">{p.name === c.active ? 'active' : p.loaded ? 'loaded' : i < activeAt ? 'not loaded' : 'not needed'}</span>
                    </div>
                    {p.reason && <div className="small muted">{p.reason}</div>}
                    {p.install && i < activeAt && (
                      <div className="small">
                        To use it: <code>{p.install}</code>
                      </div>
                    )}
                  </li>
                ))}
              </ol>
              <label className="row gap small">
                Use
                <select
                  className="input select"
                  value={c.pinned ?? ''}
                  onChange={(e) => void setBackend((e.target.value || null) as BackendName | null)}
                  data-testid="compute-pin"
                >
                  <option value="">the fastest that loads (automatic)</option>
                  {c.probes.map((p) => (
                    <option key={p.name} value={p.name}>
                      {p.name} only
                    </option>
                  ))}
                </select>
              </label>
              <div className="muted small">
                New trainings use the choice; running ones keep their backend. Or pin one with <code>LATHE_BACKEND=wasm</code> (or cpu, tensorflow…); <code>lathe doctor</code> prints the same from a terminal.
              </div>
            </>
          )}
        </div>
      )}
    </div>
  );
}
