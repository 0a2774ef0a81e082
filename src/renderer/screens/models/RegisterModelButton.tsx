import { useEffect, useState } from 'react';
import type { Run } from '../../../shared/tracking';
import { transport } from '../../transport';
import { RegisterDialog, RegisteredAs, useRegisteredFrom } from './RegisterDialog';

/**
 * A run page's "Register model" button (Experiments' run detail, Training's run page): shown for finished
 * runs whose artifacts hold a model/ folder, with the versions already registered from the run beside it.
 */
export function RegisterModelButton({ run }: { run: Run }) {
  const [hasModel, setHasModel] = useState(false);
  const [open, setOpen] = useState(false);
  const [closed, setClosed] = useState(0);
  const registered = useRegisteredFrom(closed).get(run.id);
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
      <RegisteredAs refs={registered} />
      <button
        type="button"
        className={registered?.length ? 'button' : 'button primary'}
        onClick={() => setOpen(true)}
        data-testid="register-model"
        title={registered?.length ? 'Register this run again, as a version of another model or the next version of the same one' : undefined}
      >
        {registered?.length ? 'Register again…' : 'Register model'}
      </button>
      {open && (
        <RegisterDialog
          run={run}
          onClose={() => {
            setOpen(false);
            setClosed((n) => n + 1);
          }}
        />
      )}
    </>
  );
}
