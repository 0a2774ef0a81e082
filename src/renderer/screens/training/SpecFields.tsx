import { useEffect } from 'react';
import type { HyperparameterDescription, Task, TemplateName } from '../../../shared/training';
import { ErrorBox } from '../../components/ErrorBox';
import { groupHyperparameters, inactiveFields, rangeText, type FieldErrors } from '../../stores/trainingForm';
import { columnsOf, hpDescOf, useTrainingNewStore } from '../../stores/trainingNewStore';
import { useTrainingStore } from '../../stores/trainingStore';
import { DatasetVersionPicker } from '../../components/DatasetVersion';

/** The message under a field, when it has one. */
export function FieldError({ errors, at, show = true }: { errors: FieldErrors; at: string; show?: boolean }) {
  if (!show || !errors[at]) return null;
  return (
    <span className="field-error small" data-testid={`error-${at}`}>
      {errors[at]}
    </span>
  );
}

function HpField({ d, errors, show, inactive }: { d: HyperparameterDescription; errors: FieldErrors; show: boolean; inactive: boolean }) {
  const raw = useTrainingNewStore((s) => s.form.hp[d.name]);
  const setHp = useTrainingNewStore((s) => s.setHp);
  const at = `hyperparameters.${d.name}`;
  const invalid = show && !!errors[at];
  const range = rangeText(d);
  const id = `hp-${d.name}`;
  return (
    <div className={inactive ? 'hp-field inactive' : 'hp-field'} data-testid={`hp-${d.name}`}>
      <label htmlFor={id} className="hp-name mono">
        {d.name}
      </label>
      <div className="hp-input">
        {d.type === 'bool' ? (
          <input id={id} type="checkbox" checked={raw === true} onChange={(e) => setHp(d.name, e.target.checked)} data-testid={`hp-input-${d.name}`} />
        ) : d.type === 'enum' ? (
          <select id={id} className="input select" value={String(raw ?? '')} onChange={(e) => setHp(d.name, e.target.value)} data-testid={`hp-input-${d.name}`}>
            {(d.choices ?? []).map((c) => (
              <option key={String(c)} value={String(c)}>
                {String(c)}
              </option>
            ))}
          </select>
        ) : (
          <input
            id={id}
            className="input mono"
            value={String(raw ?? '')}
            inputMode={d.type === 'float' ? 'decimal' : 'numeric'}
            aria-invalid={invalid}
            onChange={(e) => setHp(d.name, e.target.value)}
            data-testid={`hp-input-${d.name}`}
          />
        )}
      </div>
      <div className="hp-help small muted">
        {d.help}
        {range && <span className="hp-range"> · {range}</span>}
        {d.type !== 'bool' && <span className="hp-default"> · default {Array.isArray(d.default) ? d.default.join(', ') : String(d.default)}</span>}
      </div>
      <FieldError errors={errors} at={at} show={show} />
    </div>
  );
}

/** Hyperparameters generated from the template's description: grouped, with help, ranges and defaults. */
export function HyperparameterFields({ errors, show }: { errors: FieldErrors; show: boolean }) {
  const templates = useTrainingStore((s) => s.templates.data) ?? [];
  const template = useTrainingNewStore((s) => s.form.template);
  const hp = useTrainingNewStore((s) => s.form.hp);
  const resetHp = useTrainingNewStore((s) => s.resetHp);
  const desc = hpDescOf(templates, template);
  const off = inactiveFields(hp);
  return (
    <div className="hp-groups" data-testid="hyperparameters">
      {groupHyperparameters(desc).map((g) => (
        <fieldset key={g.title} className="hp-group">
          <legend>{g.title}</legend>
          {g.fields.map((d) => (
            <HpField key={d.name} d={d} errors={errors} show={show} inactive={off.has(d.name)} />
          ))}
        </fieldset>
      ))}
      <div>
        <button type="button" className="button small ghost" onClick={resetHp} data-testid="reset-hp">
          Reset to defaults
        </button>
      </div>
    </div>
  );
}

/** Dataset@version, target (with the suggested task), features, template. */
export function DataFields({ errors, show }: { errors: FieldErrors; show: boolean }) {
  const s = useTrainingNewStore();
  const templates = useTrainingStore((t) => t.templates.data) ?? [];
  useEffect(() => {
    void useTrainingNewStore.getState().init();
  }, []);
  const cols = columnsOf(s.profile);
  const images = s.profile?.kind === 'images';
  const featureCols = cols.filter((c) => c.name !== s.form.target);
  const excluded = new Map((s.suggestion?.excluded ?? []).map((e) => [e.column, e.reason]));
  if (s.datasets && s.datasets.length === 0) {
    return (
      <div className="empty" data-testid="training-no-data">
        <div className="empty-title">No dataset to train on yet</div>
        <p>Import a table (CSV, TSV, JSON lines, Parquet) or a folder of images under Datasets first; a training starts from a dataset version.</p>
      </div>
    );
  }
  return (
    <>
      <ErrorBox error={s.loadError} />
      <div className="form-row">
        <DatasetVersionPicker
          testIdPrefix="train"
          datasets={s.datasets}
          dataset={s.dataset}
          versions={s.versions}
          version={s.version}
          onDataset={(name) => void s.chooseDataset(name)}
          onVersion={(n) => void s.chooseVersion(n)}
        />
        <label className="field">
          <span>Target</span>
          <select
            className="input select"
            value={s.form.target ?? ''}
            disabled={images || cols.length === 0}
            onChange={(e) => void s.chooseTarget(e.target.value)}
            data-testid="train-target"
          >
            {images && <option value="class">class (the folder)</option>}
            {!images && !s.form.target && <option value="">Choose the target…</option>}
            {cols.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name} ({c.type})
              </option>
            ))}
          </select>
          <FieldError errors={errors} at="target" show={show} />
        </label>
        <label className="field">
          <span>Task</span>
          <select className="input select" value={s.form.task ?? ''} onChange={(e) => s.setTask((e.target.value || null) as Task | null)} data-testid="train-task">
            <option value="classification">classification</option>
            <option value="regression">regression</option>
          </select>
        </label>
        <label className="field">
          <span>Template</span>
          <select className="input select" value={s.form.template} onChange={(e) => s.chooseTemplate(e.target.value as TemplateName)} data-testid="train-template">
            {templates.map((t) => (
              <option key={t.name} value={t.name} disabled={(t.data === 'images') !== images}>
                {t.title}
              </option>
            ))}
          </select>
        </label>
      </div>
      {s.suggestion && (
        <p className="muted small suggestion" data-testid="task-suggestion">
          Suggested: <strong>{s.suggestion.task}</strong> — {s.suggestion.reason}
          {s.suggestion.classes && s.suggestion.classes.length > 0 && (
            <>
              {' '}
              · classes{' '}
              {s.suggestion.classes
                .slice(0, 8)
                .map((c) => `${c.value} (${c.count})`)
                .join(', ')}
              {s.suggestion.classes.length > 8 ? ', …' : ''}
            </>
          )}
          {s.suggestion.task !== s.form.task && s.form.task && <span className="field-error"> · you chose {s.form.task}</span>}
        </p>
      )}
      {s.suggesting && <p className="muted small">Looking at the target…</p>}
      <ErrorBox error={s.suggestError} testId="suggest-error" />
      {!images && featureCols.length > 0 && (
        <fieldset className="hp-group features" data-testid="train-features">
          <legend>
            Features{' '}
            <span className="muted small">
              {s.form.features.length} of {featureCols.length}
            </span>
            <button type="button" className="button small ghost" onClick={() => s.setAllFeatures(true)}>
              all
            </button>
            <button type="button" className="button small ghost" onClick={() => s.setAllFeatures(false)}>
              none
            </button>
          </legend>
          <div className="feature-list">
            {featureCols.map((c) => (
              <label key={c.name} className="feature" title={excluded.get(c.name) ?? `${c.type}, ${c.distinct} distinct, ${c.missing} missing`}>
                <input type="checkbox" checked={s.form.features.includes(c.name)} onChange={() => s.toggleFeature(c.name)} data-testid={`feature-${c.name}`} />
                <span className="truncate">{c.name}</span>
                <span className={`badge type-${c.type}`}>{c.type}</span>
                {excluded.has(c.name) && <span className="muted small">left out: {excluded.get(c.name)}</span>}
              </label>
            ))}
          </div>
          <FieldError errors={errors} at="features" show={show} />
        </fieldset>
      )}
    </>
  );
}

/** Train/validation/test by fraction (seed, stratified) or by a column. */
export function SplitFields({ errors, show }: { errors: FieldErrors; show: boolean }) {
  const split = useTrainingNewStore((s) => s.form.split);
  const setSplit = useTrainingNewStore((s) => s.setSplit);
  const profile = useTrainingNewStore((s) => s.profile);
  const task = useTrainingNewStore((s) => s.form.task);
  const cols = columnsOf(profile);
  const num = (k: 'train' | 'validation' | 'test' | 'seed', label: string) => (
    <label className="field narrow">
      <span>{label}</span>
      <input className="input mono" value={split[k]} aria-invalid={show && !!errors[`split.${k}`]} onChange={(e) => setSplit({ [k]: e.target.value })} data-testid={`split-${k}`} />
      <FieldError errors={errors} at={`split.${k}`} show={show} />
    </label>
  );
  return (
    <fieldset className="hp-group" data-testid="train-split">
      <legend>Split</legend>
      <div className="row gap">
        <label className="row gap small">
          <input type="radio" name="split-kind" checked={split.kind === 'fraction'} onChange={() => setSplit({ kind: 'fraction' })} data-testid="split-kind-fraction" /> by fraction
        </label>
        <label className="row gap small">
          <input type="radio" name="split-kind" checked={split.kind === 'column'} onChange={() => setSplit({ kind: 'column' })} data-testid="split-kind-column" /> by a column
        </label>
      </div>
      {split.kind === 'fraction' ? (
        <>
          <div className="form-row">
            {num('train', 'Train')}
            {num('validation', 'Validation')}
            {num('test', 'Test')}
            {num('seed', 'Seed')}
            <label className="row gap small stratify" title={task === 'regression' ? 'Ignored for regression' : 'Keep class shares equal across the parts'}>
              <input type="checkbox" checked={split.stratify} onChange={(e) => setSplit({ stratify: e.target.checked })} data-testid="split-stratify" />
              stratify{task === 'regression' ? ' (ignored for regression)' : ''}
            </label>
          </div>
          <FieldError errors={errors} at="split.stratify" show={show} />
          <span className="muted small">The three parts add up to 1. The same seed, data version and backend give the same split and the same metrics.</span>
        </>
      ) : (
        <label className="field">
          <span>Column</span>
          <select className="input select" value={split.column} onChange={(e) => setSplit({ column: e.target.value })} data-testid="split-column">
            <option value="">choose…</option>
            {cols.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
              </option>
            ))}
          </select>
          <span className="muted small">Its values say each row&apos;s part: train, validation (or val, valid), test.</span>
          <FieldError errors={errors} at="split.column" show={show} />
        </label>
      )}
      <FieldError errors={errors} at="split" show={show} />
    </fieldset>
  );
}
