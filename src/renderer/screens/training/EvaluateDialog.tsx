import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { Dialog } from '../../components/Dialog';
import { ErrorBox } from '../../components/ErrorBox';
import { DialogForm, FormFooter } from '../../components/FormFooter';
import { formatInt, formatPercent } from '../../format';
import { COST_PRESETS } from '../../stores/evaluationLogic';
import type { EvaluationSplit } from '../../../shared/evaluation';
import { costOfForm, evaluationSelectors, isTrainingVersion, labelsOf, useEvaluationStore } from '../../stores/evaluationStore';
import { toastSelectors, useToastStore } from '../../stores/toastStore';
import { FieldError } from './SpecFields';
import { DatasetVersionPicker } from '../../components/DatasetVersion';

const OUTCOMES = [
  { k: 'tp', title: 'True positive', hint: 'predicted positive, was positive' },
  { k: 'fp', title: 'False positive', hint: 'predicted positive, was negative' },
  { k: 'fn', title: 'False negative', hint: 'predicted negative, was positive' },
  { k: 'tn', title: 'True negative', hint: 'predicted negative, was negative' },
] as const;

function BinaryCostEditor() {
  const f = useEvaluationStore((s) => s.form);
  const patch = useEvaluationStore((s) => s.patchForm);
  const labels = labelsOf(f);
  const { errors } = costOfForm(f);
  const negative = labels.find((l) => l !== f.positive) ?? '';
  return (
    <div className="cost-editor" data-testid="cost-binary">
      <div className="row gap">
        <label className="row gap small">
          Positive class
          <select className="input select" value={f.positive} onChange={(e) => patch({ positive: e.target.value })} data-testid="cost-positive">
            {labels.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <span className="muted small">negative: {negative}</span>
        <span className="spacer" />
        {COST_PRESETS.map((p) => (
          <button key={p.id} type="button" className="button small" title={p.explain} onClick={() => patch({ binary: p.values })} data-testid={`cost-preset-${p.id}`}>
            {p.title}
          </button>
        ))}
      </div>
      <p className="muted small">The value of one case of each outcome: a gain is positive, a cost negative.</p>
      <div className="cost-grid">
        {OUTCOMES.map((o) => (
          <label key={o.k} className="field">
            <span>
              {o.title} <span className="muted small">({o.k.toUpperCase()})</span>
            </span>
            <input
              className="input mono"
              value={f.binary[o.k]}
              aria-invalid={!!errors[o.k]}
              onChange={(e) => patch({ binary: { ...f.binary, [o.k]: e.target.value } })}
              data-testid={`cost-${o.k}`}
            />
            <span className="muted small">{o.hint}</span>
            <FieldError errors={errors} at={o.k} />
          </label>
        ))}
      </div>
      <FieldError errors={errors} at="cost" />
    </div>
  );
}

function MatrixCostEditor() {
  const f = useEvaluationStore((s) => s.form);
  const setCell = useEvaluationStore((s) => s.setMatrixCell);
  const labels = labelsOf(f);
  const { errors } = costOfForm(f);
  return (
    <div className="cost-editor" data-testid="cost-matrix">
      <p className="muted small">
        The value of predicting the column&apos;s class when the truth is the row&apos;s (a gain positive, a cost negative). The report gives the value of the model&apos;s
        choices and of picking, for each case, the class with the highest expected value.
      </p>
      <table className="table compact cost-matrix">
        <thead>
          <tr>
            <th className="muted small">actual ↓ · predicted →</th>
            {labels.map((l) => (
              <th key={l}>{l}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {labels.map((row, i) => (
            <tr key={row}>
              <th>{row}</th>
              {labels.map((col, j) => (
                <td key={col}>
                  <input
                    className="input mono cost-cell"
                    value={f.matrix[i]?.[j] ?? ''}
                    aria-label={`value when actual ${row}, predicted ${col}`}
                    aria-invalid={!!errors[`values.${i}.${j}`]}
                    onChange={(e) => setCell(i, j, e.target.value)}
                    data-testid={`cost-cell-${i}-${j}`}
                  />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {Object.entries(errors).map(([k, m]) => (
        <div key={k} className="field-error small">
          {k.startsWith('values.') ? `row ${Number(k.split('.')[1]) + 1}, column ${Number(k.split('.')[2]) + 1}: ` : ''}
          {m}
        </div>
      ))}
    </div>
  );
}

/** "Evaluate…": which data version, an optional slice column and cost matrix; progress while it scores. */
export function EvaluateDialog({ runId, onClose, onDone }: { runId: string; onClose: () => void; onDone: (id: string) => void }) {
  const s = useEvaluationStore(useShallow((st) => st.form));
  const { startForm, chooseDataset, chooseVersion, patchForm, submit } = useEvaluationStore(
    useShallow((st) => ({ startForm: st.startForm, chooseDataset: st.chooseDataset, chooseVersion: st.chooseVersion, patchForm: st.patchForm, submit: st.submit })),
  );
  const task = useToastStore(useShallow((t) => toastSelectors.taskList(t).filter((x) => x.label.startsWith('Evaluating'))))[0];
  useEffect(() => {
    void startForm(runId);
  }, [runId, startForm]);
  const labels = labelsOf(s);
  const classification = s.signature?.task === 'classification';
  const costErrors = costOfForm(s).errors;
  const ready = !!s.signature && s.version !== null && Object.keys(costErrors).length === 0;
  const sliceCols = evaluationSelectors.sliceColumns(s);
  return (
    <Dialog
      title="Evaluate the model"
      onClose={onClose}
      testId="evaluate-dialog"
      wide
      footer={
        <FormFooter formId="evaluate-form" onCancel={onClose} disabled={!ready || s.busy} testId="evaluate-submit">
          {s.busy ? 'Evaluating…' : 'Evaluate'}
        </FormFooter>
      }
    >
      <DialogForm
        id="evaluate-form"
        onSubmit={async () => {
          const id = await submit();
          if (id) onDone(id);
        }}
      >
        {s.signature && (
          <p className="muted small">
            A {s.signature.task} model of <span className="mono">{s.signature.target}</span>
            {labels.length ? ` over ${labels.length} classes` : ''}, trained on {s.signature.dataset}. The version must have its input columns
            {s.signature.inputs.kind === 'table' ? ` (${s.signature.inputs.columns.length})` : ''} and the target.
          </p>
        )}
        <div className="form-row">
          <DatasetVersionPicker
            testIdPrefix="eval"
            datasets={s.datasets}
            dataset={s.dataset}
            versions={s.versions}
            version={s.version}
            onDataset={(name) => void chooseDataset(name)}
            onVersion={(n) => void chooseVersion(n)}
          />
          {isTrainingVersion(s) && (
            <label className="field">
              <span>Rows to score</span>
              <select className="input select" value={s.split} onChange={(e) => patchForm({ split: e.target.value as EvaluationSplit })} data-testid="eval-split">
                <option value="test">test split (held out)</option>
                <option value="validation">validation split</option>
                <option value="train">training split (the rows it learned)</option>
                <option value="all">all rows (includes training rows)</option>
              </select>
            </label>
          )}
          <label className="field">
            <span>Slice by (optional)</span>
            <select className="input select" value={s.slice} onChange={(e) => patchForm({ slice: e.target.value })} data-testid="eval-slice">
              <option value="">no slices</option>
              {sliceCols.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
        </div>
        {isTrainingVersion(s) && (s.split === 'train' || s.split === 'all') && (
          <p className="field-error small" data-testid="eval-split-warning">
            These rows include the rows the model was trained on: its numbers will look better than it is, and the report, the model card and comparisons will say
            &quot;includes training rows&quot;.
          </p>
        )}
        {s.signature && !isTrainingVersion(s) && s.version !== null && (
          <p className="muted small" data-testid="eval-other-version">
            Not the version it was trained on: every row is scored, and rows equal to training rows are counted and reported.
          </p>
        )}
        {classification && (
          <fieldset className="hp-group">
            <legend>
              <label className="row gap">
                <input type="checkbox" checked={s.useCost} onChange={(e) => patchForm({ useCost: e.target.checked })} data-testid="eval-use-cost" />
                Business value (a cost matrix)
              </label>
            </legend>
            {!s.useCost ? (
              <p className="muted small">Give each outcome a value (a missed churner costs 120, a needless offer 10…) to get the expected value per prediction and the threshold that maximises it.</p>
            ) : labels.length === 2 ? (
              <BinaryCostEditor />
            ) : (
              <MatrixCostEditor />
            )}
          </fieldset>
        )}
        <ErrorBox error={s.error} testId="evaluate-error" />
        {s.busy && (
          <div className="busy" data-testid="evaluate-progress">
            <span className="small">
              {task ? `${task.phase} ${formatInt(task.done)} / ${formatInt(task.total)} rows (${formatPercent(task.done, task.total)})` : 'Scoring in a worker…'}
            </span>
            <progress className="progress" max={task && task.total > 0 ? task.total : undefined} value={task && task.total > 0 ? task.done : undefined} />
          </div>
        )}
      </DialogForm>
    </Dialog>
  );
}
