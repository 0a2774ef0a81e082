import { useEffect, useState } from 'react';
import { modelNameSchema, type ModelVersion } from '../../../shared/registry';
import type { Run } from '../../../shared/tracking';
import { Dialog } from '../../components/Dialog';
import { ErrorBox } from '../../components/ErrorBox';
import { DialogForm, FormFooter } from '../../components/FormFooter';
import { useAction } from '../../components/useAction';
import { useModelsStore } from '../../stores/modelsStore';
import { formatMetric, formatTime } from '../../stores/runsTable';
import { keyMetrics } from '../../stores/modelsView';
import { useToastStore } from '../../stores/toastStore';
import { transport } from '../../transport';
import { openModel } from '../../navigation';
import { ClickableRow } from '../../components/ClickableRow';

const lastMetrics = (r: Run) => Object.fromEntries(Object.entries(r.metrics).map(([k, m]) => [k, m.last]));

/** A model name from a run: its dataset and task when known (`penguins-classifier`), else the run's name. */
export function suggestModelName(run: Pick<Run, 'name' | 'params'>): string {
  const data = run.params.data?.split('@')[0];
  const task = run.params.task;
  const raw = data ? `${data}-${task === 'regression' ? 'regressor' : 'classifier'}` : run.name;
  return raw.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 100);
}

/** run id -> the versions registered from it ("penguins-clf@1"), so a run registered before is marked. */
export function useRegisteredFrom(refresh = 0): Map<string, string[]> {
  const [found, setFound] = useState<Map<string, string[]>>(new Map());
  useEffect(() => {
    let live = true;
    const load = async () => {
      const out = new Map<string, string[]>();
      for (const m of await transport().call('models.list', {})) {
        for (const v of await transport().call('models.versions', { name: m.name })) {
          if (v.runId) out.set(v.runId, [...(out.get(v.runId) ?? []), `${v.model}@${v.number}`]);
        }
      }
      if (live) setFound(out);
    };
    load().catch(() => {}); // a mark that does not show is no reason to block registering
    return () => {
      live = false;
    };
  }, [refresh]);
  return found;
}

export function RegisteredAs({ refs }: { refs: string[] | undefined }) {
  if (!refs?.length) return null;
  return (
    <span className="tag" title={`Already registered as ${refs.join(', ')}`} data-testid="registered-as">
      registered {refs.join(', ')}
    </span>
  );
}

/**
 * Register a run's model as the next version of a model. With `run` given (the run detail's button) the
 * run is fixed; otherwise the finished runs holding a model artifact are listed to choose from.
 */
export function RegisterDialog({ run, defaultName, onClose }: { run?: Run; defaultName?: string; onClose: () => void }) {
  const registrable = useModelsStore((s) => s.registrable);
  const models = useModelsStore((s) => s.list.data) ?? [];
  const register = useModelsStore((s) => s.register);
  const [runId, setRunId] = useState<string | null>(run?.id ?? null);
  const [name, setName] = useState(defaultName || (run ? suggestModelName(run) : ''));
  const [description, setDescription] = useState('');
  const [result, setResult] = useState<ModelVersion | null>(null);
  const registeredFrom = useRegisteredFrom();
  useEffect(() => {
    if (!useModelsStore.getState().list.data) void useModelsStore.getState().loadList();
  }, []);
  const runs = run ? [run] : (registrable.data ?? []);
  const chosen = runs.find((r) => r.id === runId) ?? null;
  const parsed = name ? modelNameSchema.safeParse(name) : null;
  const issue = parsed && !parsed.success ? parsed.error.issues[0]?.message : null;
  const existing = models.find((m) => m.name === name);
  const { run: submit, busy, error } = useAction(async () => {
    if (!runId) return;
    const v = await register(runId, name, description.trim());
    setResult(v);
    useToastStore.getState().push({ kind: 'success', message: `Registered ${v.model}@${v.number}` });
  });
  const footer = result ? (
    <>
      <button type="button" className="button" onClick={onClose}>
        Close
      </button>
      <button
        type="button"
        className="button primary"
        data-testid="register-open"
        onClick={() => {
          onClose();
          openModel(result.model, result.number);
        }}
      >
        Open {result.model}@{result.number}
      </button>
    </>
  ) : (
    <FormFooter formId="register-form" onCancel={onClose} disabled={!runId || !name || !!issue || busy} testId="register-submit">
      {busy ? 'Registering…' : 'Register'}
    </FormFooter>
  );
  return (
    <Dialog title={run ? `Register the model of ${run.name}` : 'Register a model from a run'} onClose={onClose} testId="register-dialog" wide={!run} footer={footer}>
      {/* Once registered, the form (whose hints describe the next registration) gives way to the result. */}
      {!result && (
        <DialogForm id="register-form" onSubmit={() => void submit()}>
          {!run && (
            <div className="field">
              <span>Finished run with a model</span>
              <ErrorBox error={registrable.error} />
              {registrable.loading && !registrable.data && <div className="muted small">Looking for finished runs with a model…</div>}
              {registrable.data && runs.length === 0 && (
                <div className="empty small" data-testid="register-no-runs">
                  No finished run holds a model yet. Train one under <strong>Training</strong> (or <code>lathe train</code>); when it finishes, its model can be
                  registered here.
                </div>
              )}
              {runs.length > 0 && (
                <div className="table-wrap register-runs">
                  <table className="table compact" data-testid="register-runs">
                    <thead>
                      <tr>
                        <th />
                        <th>Run</th>
                        <th>Experiment</th>
                        <th>Data</th>
                        <th>Key metrics</th>
                        <th>Finished</th>
                      </tr>
                    </thead>
                    <tbody>
                      {runs.map((r) => (
                        <ClickableRow
                          key={r.id}
                          selected={r.id === runId}
                          focusable={false}
                          onOpen={() => {
                            setRunId(r.id);
                            if (!name) setName(suggestModelName(r));
                          }}
                          data-testid="register-run"
                          data-run={r.id}
                        >
                          <td>
                            <input type="radio" name="register-run" checked={r.id === runId} onChange={() => setRunId(r.id)} aria-label={`Choose ${r.name}`} />
                          </td>
                          <td className="strong nowrap">
                            {r.name} <RegisteredAs refs={registeredFrom.get(r.id)} />
                          </td>
                          <td className="nowrap">{r.experimentName}</td>
                          <td className="nowrap mono small">{r.inputs.map((i) => (i.dataset ? `${i.dataset}@v${i.number}` : i.id.slice(0, 8))).join(', ') || '—'}</td>
                          <td className="nowrap">
                            {keyMetrics(lastMetrics(r), 2).map(([k, m]) => (
                              <span key={k} className="key-metric">
                                <span className="muted">{k}</span> {formatMetric(m)}
                              </span>
                            ))}
                          </td>
                          <td className="muted nowrap">{formatTime(r.endTime)}</td>
                        </ClickableRow>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </div>
          )}
          {run && (
            <p className="muted small">
              Run <span className="mono">{run.id.slice(0, 12)}</span> in {run.experimentName}, finished {formatTime(run.endTime)}.{' '}
              <RegisteredAs refs={registeredFrom.get(run.id)} />
            </p>
          )}
          <label className="field">
            <span>Model name</span>
            <input className="input" list="model-names" value={name} onChange={(e) => setName(e.target.value)} placeholder="penguins-classifier" data-testid="register-name" aria-invalid={!!issue} />
            <datalist id="model-names">
              {models.map((m) => (
                <option key={m.name} value={m.name} />
              ))}
            </datalist>
            {issue ? (
              <small className="field-error">{issue}</small>
            ) : (
              <small className="muted">{existing ? `Becomes v${(existing.latest ?? 0) + 1} of ${existing.name}.` : name ? `A new model; this is its v1.` : 'An existing name adds a version to it.'}</small>
            )}
          </label>
          <label className="field">
            <span>
              Description <span className="muted">(optional)</span>
            </span>
            <input className="input" value={description} onChange={(e) => setDescription(e.target.value)} placeholder="What is new in this version" data-testid="register-description" maxLength={10_000} />
          </label>
          {!run && chosen && (
            <small className="muted">
              From a terminal: <code>lathe models register {chosen.id} --name {name || '<model>'}</code>
            </small>
          )}
        </DialogForm>
      )}
      <ErrorBox error={error} testId="register-error" />
      {result && (
        <div className="result ok" data-testid="register-result">
          <div className="strong">
            Registered {result.model}@{result.number}
          </div>
          <div className="muted small">
            {result.files.length} file{result.files.length === 1 ? '' : 's'} · backend {result.backend ?? '—'} · Lathe {result.appVersion}
          </div>
        </div>
      )}
    </Dialog>
  );
}
