import { useMemo } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { unplacedErrors, validateSpecForm } from '../../stores/trainingForm';
import { hpDescOf, useTrainingNewStore } from '../../stores/trainingNewStore';
import { useTrainingStore } from '../../stores/trainingStore';
import { DataFields, HyperparameterFields, SplitFields } from './SpecFields';

/** Keys a field of the spec form shows in place. */
export function placedInSpecForm(key: string): boolean {
  return /^(data|target|features|hyperparameters\.[A-Za-z]+|split(\.(train|validation|test|seed|column|stratify))?)$/.test(key);
}

/** The form's errors, checked with the contract's schema on every change. */
export function useSpecErrors() {
  const templates = useTrainingStore((s) => s.templates.data);
  const form = useTrainingNewStore((s) => s.form);
  return useMemo(() => validateSpecForm(form, hpDescOf(templates ?? [], form.template)), [form, templates]);
}

export function NewTraining() {
  const show = useTrainingStore((s) => s.show);
  const templatesError = useTrainingStore((s) => s.templates.error);
  const s = useTrainingNewStore();
  const { errors: clientErrors } = useSpecErrors();
  // The engine's refusal also marks the field it names (target, split.stratify...), without blocking a retry.
  const where = s.error?.where;
  const errors = where && placedInSpecForm(where) && !(where in clientErrors) ? { ...clientErrors, [where]: s.error!.message } : clientErrors;
  const shown = s.touched;
  const extra = unplacedErrors(clientErrors, placedInSpecForm);
  const count = Object.keys(clientErrors).length;
  // A table with no target yet is an unfinished form, not an error: Start waits for the choice.
  const needsTarget = s.profile?.kind === 'table' && !s.form.target;
  const submit = async () => {
    const runId = await s.start();
    if (runId) show({ kind: 'run', runId });
  };
  return (
    <section className="screen training-new" data-testid="new-training">
      <div className="screen-head">
        <button type="button" className="button ghost" onClick={() => show({ kind: 'home' })} data-testid="back-to-training">
          ← Training
        </button>
        <h1>New training</h1>
      </div>
      {s.prefilledFrom && (
        <p className="muted small" data-testid="prefilled-from">
          Filled in from run <span className="mono">{s.prefilledFrom.slice(0, 8)}</span>: change what should differ, then start.
        </p>
      )}
      <ErrorBox error={templatesError} />
      <form
        className="form spec-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <DataFields errors={errors} show={shown} />
        <HyperparameterFields errors={errors} show />
        <SplitFields errors={errors} show />
        <fieldset className="hp-group">
          <legend>Run</legend>
          <div className="form-row">
            <label className="field">
              <span>Name</span>
              <input className="input" value={s.form.name} placeholder="generated when empty" onChange={(e) => s.setMeta({ name: e.target.value })} data-testid="train-name" />
            </label>
            <label className="field">
              <span>Experiment</span>
              <input className="input" value={s.form.experiment} placeholder="Default" onChange={(e) => s.setMeta({ experiment: e.target.value })} data-testid="train-experiment" />
            </label>
            <label className="field narrow">
              <span>Priority</span>
              <input className="input mono" type="number" min={-100} max={100} value={s.priority} onChange={(e) => s.setPriority(Math.max(-100, Math.min(100, Math.round(Number(e.target.value) || 0))))} data-testid="train-priority" />
            </label>
          </div>
          <span className="muted small">Higher priority jobs leave the queue first.</span>
        </fieldset>
        {extra.length > 0 && (
          <ul className="form-errors field-error small" data-testid="spec-errors">
            {extra.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        )}
        <ErrorBox error={s.error} testId="train-refusal" />
        <div className="row gap form-actions">
          <button type="submit" className="button primary" disabled={s.busy || count > 0 || !s.form.data || needsTarget} data-testid="train-start">
            {s.busy ? 'Checking the data…' : 'Start training'}
          </button>
          {needsTarget && count === 0 && (
            <span className="muted small" data-testid="needs-target">
              Choose the target column to predict.
            </span>
          )}
          {count > 0 && (
            <span className="field-error small" data-testid="spec-error-count">
              {count === 1 ? '1 field needs attention' : `${count} fields need attention`}
            </span>
          )}
          <span className="spacer" />
          <button type="button" className="button ghost" onClick={() => show({ kind: 'new-sweep' })} data-testid="to-sweep">
            Sweep these settings…
          </button>
        </div>
      </form>
    </section>
  );
}
