import { useMemo } from 'react';
import { ErrorBox } from '../../components/ErrorBox';
import { gridSize, PARAM_KIND_HELP, PARAM_KINDS, parameterChoices, parseSweepYaml, sweepSpecOf, sweepYamlOf, type ParamKind } from '../../stores/sweepsForm';
import { useSweepsStore } from '../../stores/sweepsStore';
import { hpDescOf, useTrainingNewStore } from '../../stores/trainingNewStore';
import { useTrainingStore } from '../../stores/trainingStore';
import { useSpecErrors } from './NewTraining';
import { DataFields, FieldError, HyperparameterFields, SplitFields } from './SpecFields';

const OBJECTIVES = ['val_loss', 'val_acc', 'val_rmse', 'loss', 'acc'];

function ParamRows({ choices, errors }: { choices: string[]; errors: Record<string, string> }) {
  const params = useSweepsStore((s) => s.form.params);
  const strategy = useSweepsStore((s) => s.form.strategy);
  const setParam = useSweepsStore((s) => s.setParam);
  const addParam = useSweepsStore((s) => s.addParam);
  const removeParam = useSweepsStore((s) => s.removeParam);
  return (
    <div className="param-rows" data-testid="sweep-params">
      {params.map((r, i) => (
        <div key={i} className="param-row" data-testid="sweep-param">
          <label className="field">
            <span>Parameter</span>
            <select className="input select mono" value={r.path} onChange={(e) => setParam(i, { path: e.target.value })} data-testid={`param-path-${i}`}>
              {!choices.includes(r.path) && <option value={r.path}>{r.path || 'choose…'}</option>}
              {choices.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
            <FieldError errors={errors} at={`params.${i}.path`} />
          </label>
          <label className="field">
            <span>Range</span>
            <select className="input select" value={r.kind} onChange={(e) => setParam(i, { kind: e.target.value as ParamKind })} title={PARAM_KIND_HELP[r.kind]} data-testid={`param-kind-${i}`}>
              {PARAM_KINDS.map((k) => (
                <option key={k} value={k} disabled={strategy === 'grid' && k !== 'values'}>
                  {k === 'values' ? 'list' : k}
                </option>
              ))}
            </select>
            <FieldError errors={errors} at={`params.${i}.kind`} />
          </label>
          {r.kind === 'values' || r.kind === 'choice' ? (
            <label className="field grow">
              <span>Values</span>
              <input className="input mono" value={r.values} placeholder="0.001, 0.01   or   [16], [32, 16]" aria-invalid={!!errors[`params.${i}.values`]} onChange={(e) => setParam(i, { values: e.target.value })} data-testid={`param-values-${i}`} />
              <FieldError errors={errors} at={`params.${i}.values`} />
            </label>
          ) : (
            <>
              <label className="field narrow">
                <span>Min</span>
                <input className="input mono" value={r.min} aria-invalid={!!errors[`params.${i}.min`]} onChange={(e) => setParam(i, { min: e.target.value })} data-testid={`param-min-${i}`} />
                <FieldError errors={errors} at={`params.${i}.min`} />
              </label>
              <label className="field narrow">
                <span>Max</span>
                <input className="input mono" value={r.max} aria-invalid={!!errors[`params.${i}.max`]} onChange={(e) => setParam(i, { max: e.target.value })} data-testid={`param-max-${i}`} />
                <FieldError errors={errors} at={`params.${i}.max`} />
              </label>
              {r.kind === 'int' && (
                <label className="field narrow">
                  <span>Step</span>
                  <input className="input mono" value={r.step} onChange={(e) => setParam(i, { step: e.target.value })} />
                </label>
              )}
            </>
          )}
          <button type="button" className="icon-button param-remove" aria-label="Remove parameter" onClick={() => removeParam(i)} disabled={params.length <= 1}>
            ×
          </button>
          <span className="muted small param-help">{PARAM_KIND_HELP[r.kind]}</span>
        </div>
      ))}
      <div>
        <button type="button" className="button small" onClick={() => addParam(choices.find((c) => !params.some((p) => p.path === c)))} data-testid="add-param">
          + Parameter
        </button>
      </div>
    </div>
  );
}

function SweepFormBody() {
  const templates = useTrainingStore((s) => s.templates.data) ?? [];
  const template = useTrainingNewStore((s) => s.form.template);
  const base = useSpecErrors();
  const s = useSweepsStore();
  const show = useTrainingStore((st) => st.show);
  const { spec, errors } = useMemo(() => sweepSpecOf(s.form, base.spec), [s.form, base.spec]);
  const choices = parameterChoices(hpDescOf(templates, template).map((d) => d.name));
  const grid = gridSize(s.form);
  const baseErrors = Object.entries(base.errors).filter(([k]) => !s.form.params.some((p) => k === p.path || k.startsWith(p.path + '.')));
  const problems = Object.keys(errors).length + baseErrors.length;
  const f = s.form;
  return (
    <form
      className="form spec-form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (problems) return;
        const id = await s.start(spec);
        if (id) show({ kind: 'sweep', id });
      }}
    >
      <details className="hp-group base-spec" open={baseErrors.length > 0}>
        <summary>
          Base training <span className="muted small">— dataset, target, template and the values every trial starts from</span>
          {baseErrors.length > 0 && <span className="field-error small"> · {baseErrors.length} to fix</span>}
        </summary>
        <DataFields errors={base.errors} show />
        <HyperparameterFields errors={base.errors} show />
        <SplitFields errors={base.errors} show />
      </details>
      <fieldset className="hp-group">
        <legend>Parameters</legend>
        <ParamRows choices={choices} errors={errors} />
        <FieldError errors={errors} at="parameters" />
      </fieldset>
      <fieldset className="hp-group">
        <legend>Search</legend>
        <div className="form-row">
          <label className="field">
            <span>Name</span>
            <input className="input" value={f.name} placeholder="generated when empty" onChange={(e) => s.patchForm({ name: e.target.value })} data-testid="sweep-name" />
          </label>
          <label className="field">
            <span>Strategy</span>
            <select className="input select" value={f.strategy} onChange={(e) => s.patchForm({ strategy: e.target.value as 'grid' | 'random' })} data-testid="sweep-strategy">
              <option value="grid">grid: every combination</option>
              <option value="random">random search</option>
            </select>
          </label>
          {f.strategy === 'random' ? (
            <>
              <label className="field narrow">
                <span>Trials</span>
                <input className="input mono" value={f.trials} aria-invalid={!!errors['strategy.trials']} onChange={(e) => s.patchForm({ trials: e.target.value })} data-testid="sweep-trials" />
                <FieldError errors={errors} at="strategy.trials" />
              </label>
              <label className="field narrow">
                <span>Seed</span>
                <input className="input mono" value={f.seed} onChange={(e) => s.patchForm({ seed: e.target.value })} />
                <FieldError errors={errors} at="strategy.seed" />
              </label>
            </>
          ) : (
            <div className="field narrow">
              <span>Trials</span>
              <span className="mono grid-size" data-testid="sweep-grid-size">
                {grid ?? '—'}
              </span>
            </div>
          )}
          <label className="field narrow">
            <span>In parallel</span>
            <input className="input mono" value={f.parallelism} aria-invalid={!!errors.parallelism} onChange={(e) => s.patchForm({ parallelism: e.target.value })} data-testid="sweep-parallelism" />
            <FieldError errors={errors} at="parallelism" />
          </label>
          <label className="field">
            <span>Objective</span>
            <input className="input mono" list="sweep-objectives" value={f.metric} onChange={(e) => s.patchForm({ metric: e.target.value })} data-testid="sweep-metric" />
            <datalist id="sweep-objectives">
              {OBJECTIVES.map((o) => (
                <option key={o} value={o} />
              ))}
            </datalist>
            <FieldError errors={errors} at="objective.metric" />
          </label>
          <label className="field narrow">
            <span>Direction</span>
            <select className="input select" value={f.direction} onChange={(e) => s.patchForm({ direction: e.target.value as 'minimize' | 'maximize' })} data-testid="sweep-direction">
              <option value="minimize">minimize</option>
              <option value="maximize">maximize</option>
            </select>
          </label>
        </div>
        <label className="row gap small">
          <input type="checkbox" checked={f.pruning} onChange={(e) => s.patchForm({ pruning: e.target.checked })} data-testid="sweep-pruning" />
          Stop poor trials early (successive halving)
        </label>
        {f.pruning && (
          <div className="form-row">
            <label className="field narrow">
              <span>First rung (epochs)</span>
              <input className="input mono" value={f.minEpochs} onChange={(e) => s.patchForm({ minEpochs: e.target.value })} />
              <FieldError errors={errors} at="pruning.minEpochs" />
            </label>
            <label className="field narrow">
              <span>Keep 1 in (eta)</span>
              <input className="input mono" value={f.eta} onChange={(e) => s.patchForm({ eta: e.target.value })} />
              <FieldError errors={errors} at="pruning.eta" />
            </label>
            <span className="muted small">At each rung (epochs × eta), a trial continues only if its objective is among the best 1/eta so far.</span>
          </div>
        )}
      </fieldset>
      {baseErrors.length > 0 && (
        <ul className="form-errors field-error small" data-testid="sweep-base-errors">
          {baseErrors.map(([k, m]) => (
            <li key={k}>
              base {k}: {m}
            </li>
          ))}
        </ul>
      )}
      <ErrorBox error={s.error} testId="sweep-refusal" />
      <div className="row gap form-actions">
        <button type="submit" className="button primary" disabled={s.busy || problems > 0} data-testid="sweep-start">
          {s.busy ? 'Starting…' : 'Start sweep'}
        </button>
        {problems > 0 && <span className="field-error small">{problems === 1 ? '1 field needs attention' : `${problems} fields need attention`}</span>}
        <span className="spacer" />
        <button
          type="button"
          className="button ghost"
          onClick={() => {
            s.setYaml(sweepYamlOf(spec));
            s.setMode('yaml');
          }}
        >
          Show as YAML
        </button>
      </div>
    </form>
  );
}

function SweepYaml() {
  const s = useSweepsStore();
  const show = useTrainingStore((st) => st.show);
  const parsed = useMemo(() => parseSweepYaml(s.yaml), [s.yaml]);
  return (
    <form
      className="form"
      onSubmit={async (e) => {
        e.preventDefault();
        const id = await s.startYaml();
        if (id) show({ kind: 'sweep', id });
      }}
    >
      <p className="muted small">
        Paste a sweep file — the same one <code>lathe sweep file.yaml</code> runs: <code>base</code> (a training spec), <code>parameters</code> (dotted paths with lists or distributions),{' '}
        <code>strategy</code>, <code>pruning</code>, <code>parallelism</code>, <code>objective</code>.
      </p>
      <textarea className="input mono yaml-box" rows={18} spellCheck={false} value={s.yaml} onChange={(e) => s.setYaml(e.target.value)} data-testid="sweep-yaml" />
      {s.yaml.trim() && parsed.errors.length > 0 && (
        <ul className="form-errors field-error small" data-testid="sweep-yaml-errors">
          {parsed.errors.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
      <ErrorBox error={s.error} testId="sweep-refusal" />
      <div className="row gap form-actions">
        <button type="submit" className="button primary" disabled={s.busy || !parsed.spec} data-testid="sweep-yaml-start">
          {s.busy ? 'Starting…' : 'Start sweep'}
        </button>
      </div>
    </form>
  );
}

export function NewSweep() {
  const mode = useSweepsStore((s) => s.mode);
  const setMode = useSweepsStore((s) => s.setMode);
  const show = useTrainingStore((s) => s.show);
  return (
    <section className="screen training-new" data-testid="new-sweep">
      <div className="screen-head">
        <button type="button" className="button ghost" onClick={() => show({ kind: 'home' })} data-testid="back-to-training">
          ← Training
        </button>
        <h1>New sweep</h1>
      </div>
      <div className="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={mode === 'form'} className={mode === 'form' ? 'tab active' : 'tab'} onClick={() => setMode('form')} data-testid="sweep-mode-form">
          Form
        </button>
        <button type="button" role="tab" aria-selected={mode === 'yaml'} className={mode === 'yaml' ? 'tab active' : 'tab'} onClick={() => setMode('yaml')} data-testid="sweep-mode-yaml">
          Import YAML
        </button>
      </div>
      {mode === 'form' ? <SweepFormBody /> : <SweepYaml />}
    </section>
  );
}
