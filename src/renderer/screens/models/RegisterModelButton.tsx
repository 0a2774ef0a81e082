import { useEffect, useState } from 'react';
import type { Run } from '../../../shared/tracking';
import { transport } from '../../transport';
import { RegisterDialog } from './RegisterDialog';

/** The run detail's "Register model" button: shown for finished runs whose artifacts hold a model/ folder. */
export function RegisterModelButton({ run }: { run: Run }) {
  const [hasModel, setHasModel] = useState(false);
  const [open, setOpen] = useState(false);
  const finished = run.status === 'finished';
  useEffect(() => {
    setHasModel(false);
    if (!finished) return;
    let live = true;
    transport()
      .call('runs.artifacts.list', { runId: run.id, path: '' })
      .then((entries) => {
        if (live) setHasModel(entries.some((e) => e.isDir && e.path.replace(/\/$/, '') === 'model'));
      })
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [run.id, finished]);
  if (!finished || !hasModel) return null;
  return (
    <>
      <button type="button" className="button primary" onClick={() => setOpen(true)} data-testid="register-model">
        Register model
      </button>
      {open && <RegisterDialog run={run} onClose={() => setOpen(false)} />}
    </>
  );
}
