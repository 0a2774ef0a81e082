import { useEffect, useState } from 'react';
import type { AveragedMetrics, BusinessReport, ClassificationReport, Evaluation, RegressionReport, SliceReport } from '../../../shared/evaluation';
import type { Run } from '../../../shared/tracking';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { ErrorBox } from '../../components/ErrorBox';
import { ConfusionHeatmap } from '../../components/charts/ConfusionHeatmap';
import { CurveChart } from '../../components/charts/CurveChart';
import { colorFor } from '../../components/charts/series';
import { useWidth } from '../../components/charts/useWidth';
import { ValueThresholdChart } from '../../components/charts/ValueThresholdChart';
import { formatInt } from '../../format';
import { baselinesOf, headlineLabel, zipPoints } from '../../stores/evaluationLogic';
import { useEvaluationStore } from '../../stores/evaluationStore';
import { formatDuration, formatHeadline, formatMetric, formatMoney, formatTime } from '../../format';
import { useTrainingStore } from '../../stores/trainingStore';

const money = formatMoney;
/** A headline number: money for the value per 1000 cases, else the metric's headline format (rates as %). */
const headline = (k: string, v: number | null) => (k === 'value_per_1000' ? formatMoney(v) : formatHeadline(v, k));

function Headline({ ev }: { ev: Evaluation }) {
  return (
    <div className="headline" data-testid="report-headline">
      {Object.entries(ev.report.headline).map(([k, v]) => (
        <div key={k} className="headline-item" data-testid={`headline-${k}`}>
          <div className="headline-value">{headline(k, v)}</div>
          {ev.report.intervals?.[k] && ev.report.intervals[k].lo !== null && (
            <div className="muted small mono" title="95% bootstrap interval" data-testid={`interval-${k}`}>
              {headline(k, ev.report.intervals[k].lo)} – {headline(k, ev.report.intervals[k].hi)}
            </div>
          )}
          <div className="muted small">
            {headlineLabel(k)}
            {k === 'value_per_1000' && ev.report.business?.kind === 'binary' ? ' (threshold 0.5)' : ''}
            {k === 'value_per_1000' && ev.report.business?.kind === 'matrix' ? ' (most probable class)' : ''}
          </div>
        </div>
      ))}
    </div>
  );
}

/** Which rows were scored; a warning when they include rows the model was trained on. */
function RowsBanner({ ev }: { ev: Evaluation }) {
  const sel = ev.report.selection;
  const warn = ev.trainingRows !== 0;
  return (
    <div className={`card notes${warn ? ' warning' : ''}`} data-testid="report-rows" data-training-rows={ev.trainingRows ?? 'unknown'}>
      <div className="small">
        {warn && <strong>{ev.trainingRows === null ? 'May include training rows' : `Includes ${formatInt(ev.trainingRows ?? 0)} training rows`}: these numbers are optimistic. </strong>}
        {sel ? `Rows: ${sel.summary}.` : 'Rows: all rows of the version (recorded before splits were tracked).'}
        {ev.report.bootstrap ? ` Ranges under the numbers: ${Math.round(ev.report.bootstrap.level * 100)}% bootstrap intervals (${formatInt(ev.report.bootstrap.resamples)} resamples).` : ''}
      </div>
    </div>
  );
}

/** The two headline numbers of a business report: value per prediction and per 1000 cases. */
function ValueFigures(props: { perCase: number; per1000: number; caseLabel: string }) {
  return (
    <div className="headline">
      <div className="headline-item">
        <div className="headline-value" data-testid="value-per-case">
          {money(props.perCase)}
        </div>
        <div className="muted small">{props.caseLabel}</div>
      </div>
      <div className="headline-item">
        <div className="headline-value" data-testid="value-per-1000">
          {money(props.per1000)}
        </div>
        <div className="muted small">per 1000 cases</div>
      </div>
    </div>
  );
}

function Business({ b, width }: { b: BusinessReport; width: number }) {
  if (b.kind === 'matrix') {
    const gain = b.valueOptimal.valuePer1000 - b.atArgmax.valuePer1000;
    return (
      <div className="card card-wide" data-testid="business-value">
        <h3>Business value</h3>
        <div className="business-figures">
          <ValueFigures perCase={b.atArgmax.valuePerCase} per1000={b.atArgmax.valuePer1000} caseLabel="per prediction (the most probable class)" />
          <table className="table compact">
            <thead>
              <tr>
                <th>Decision</th>
                <th className="num">Value / case</th>
                <th className="num">Value / 1000</th>
                <th className="num">Accuracy</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <td>the most probable class</td>
                <td className="num">{money(b.atArgmax.valuePerCase)}</td>
                <td className="num">{money(b.atArgmax.valuePer1000)}</td>
                <td className="num">—</td>
              </tr>
              <tr className={gain > 0 ? 'best-row' : ''}>
                <td>the class worth most (expected value)</td>
                <td className="num">{money(b.valueOptimal.valuePerCase)}</td>
                <td className="num">{money(b.valueOptimal.valuePer1000)}</td>
                <td className="num">{formatMetric(b.valueOptimal.accuracy)}</td>
              </tr>
            </tbody>
          </table>
          <p className="muted small">
            {gain > 0 ? `Deciding by expected value instead of by probability is worth ${money(gain)} per 1000 cases.` : 'Deciding by expected value gains nothing over the most probable class here.'}
          </p>
        </div>
      </div>
    );
  }
  const gain = b.best.valuePer1000 - b.atDefault.valuePer1000;
  return (
    <div className="card card-wide" data-testid="business-value">
      <h3>Business value</h3>
      <div className="business">
        <div className="business-figures">
          <ValueFigures perCase={b.best.valuePerCase} per1000={b.best.valuePer1000} caseLabel={`per prediction, at the value-optimal threshold ${formatMetric(b.best.threshold)}`} />
          <table className="table compact">
            <thead>
              <tr>
                <th>Decision</th>
                <th className="num">Threshold</th>
                <th className="num">Value / case</th>
                <th className="num">Value / 1000</th>
                <th className="num">Accuracy</th>
              </tr>
            </thead>
            <tbody>
              <tr className="best-row">
                <td>value-optimal</td>
                <td className="num">{formatMetric(b.best.threshold)}</td>
                <td className="num">{money(b.best.valuePerCase)}</td>
                <td className="num">{money(b.best.valuePer1000)}</td>
                <td className="num">{formatMetric(b.best.accuracy)}</td>
              </tr>
              <tr>
                <td>accuracy-optimal</td>
                <td className="num">{formatMetric(b.accuracyOptimal.threshold)}</td>
                <td className="num">{money(b.accuracyOptimal.valuePerCase)}</td>
                <td className="num">{money(b.accuracyOptimal.valuePer1000)}</td>
                <td className="num">{formatMetric(b.accuracyOptimal.accuracy)}</td>
              </tr>
              <tr>
                <td>default (0.5)</td>
                <td className="num">{formatMetric(b.atDefault.threshold)}</td>
                <td className="num">{money(b.atDefault.valuePerCase)}</td>
                <td className="num">{money(b.atDefault.valuePer1000)}</td>
                <td className="num">{formatMetric(b.atDefault.accuracy)}</td>
              </tr>
            </tbody>
          </table>
          <p className="muted small">
            Outcome values: TP {b.cost.tp}, FP {b.cost.fp}, FN {b.cost.fn}, TN {b.cost.tn}. At the value-optimal threshold: {b.best.counts.tp} TP, {b.best.counts.fp} FP, {b.best.counts.fn} FN,{' '}
            {b.best.counts.tn} TN. {gain > 0 ? `Moving the threshold from 0.5 is worth ${money(gain)} per 1000 cases.` : 'The default threshold is already the best.'}
          </p>
          {b.best.interval && (
            <p className="muted small" data-testid="threshold-interval">
              The threshold was chosen on {b.best.chosenOn === 'validation' ? `the run's ${formatInt(b.best.chosenRows)} validation rows` : 'these same rows (no validation rows to choose it on: optimistic)'}; every
              threshold from {formatMetric(b.best.interval.lo)} (exclusive) to {formatMetric(b.best.interval.hi)} is as good there, and the middle is taken.
            </p>
          )}
        </div>
        <ValueThresholdChart curve={b.curve} best={b.best.threshold} accuracyOptimal={b.accuracyOptimal.threshold} width={Math.max(280, Math.min(560, width))} />
      </div>
    </div>
  );
}

function Baselines({ run, ev }: { run: Run | null; ev: Evaluation }) {
  if (!run) return null;
  const bs = baselinesOf(run.metrics);
  if (bs.length === 0) return null;
  const test = [...new Set(bs.flatMap((b) => Object.keys(b.values)))].filter((k) => k.startsWith('test_'));
  const model = (k: string) => (typeof run.metrics[k]?.last === 'number' ? (run.metrics[k].last as number) : null);
  return (
    <div className="card" data-testid="report-baselines">
      <h3>Baselines</h3>
      <p className="muted small">On the run&apos;s own test split ({run.params['split.test_rows'] ?? '?'} rows), logged when it trained.</p>
      <table className="table compact">
        <thead>
          <tr>
            <th>Model</th>
            {test.map((k) => (
              <th key={k} className="num">
                {k}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            <td className="strong">{ev.runName}</td>
            {test.map((k) => (
              <td key={k} className="num strong">
                {formatMetric(model(k))}
              </td>
            ))}
          </tr>
          {bs.map((b) => (
            <tr key={b.name}>
              <td className="muted">{b.name === 'logreg' ? 'logistic regression' : b.name === 'linreg' ? 'linear regression' : b.name === 'majority' ? 'majority class' : b.name}</td>
              {test.map((k) => (
                <td key={k} className="num muted">
                  {formatMetric(b.values[k] ?? null)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A macro or weighted average under the per-class rows (support only on the first). */
function AveragedRow({ label, m, n }: { label: string; m: AveragedMetrics; n?: number }) {
  return (
    <tr className="sum-row">
      <td>{label}</td>
      <td className="num">{formatMetric(m.precision)}</td>
      <td className="num">{formatMetric(m.recall)}</td>
      <td className="num">{formatMetric(m.f1)}</td>
      <td className="num">{n === undefined ? null : formatInt(n)}</td>
    </tr>
  );
}

function ClassificationBody({ r, cell }: { r: ClassificationReport; cell: number }) {
  const roc = r.roc.map((c, i) => ({ id: c.class, name: `${c.class} · AUC ${formatHeadline(c.auc)}`, color: colorFor(i), points: zipPoints(c.fpr, c.tpr) }));
  const pr = r.pr.map((c, i) => ({ id: c.class, name: `${c.class} · AP ${formatHeadline(c.averagePrecision)}`, color: colorFor(i), points: zipPoints(c.recall, c.precision) }));
  const cal = [{ id: 'cal', name: r.calibration.kind === 'positive' ? `P(${r.positiveClass ?? 'positive'})` : 'top probability', color: colorFor(0), points: r.calibration.bins.filter((b) => b.count > 0).map((b) => ({ x: b.meanPredicted, y: b.observed })) }];
  return (
    <>
      <div className="report-grid">
        <div className="card" data-testid="per-class">
          <h3>Per class</h3>
          <table className="table compact">
            <thead>
              <tr>
                <th>Class</th>
                <th className="num">Precision</th>
                <th className="num">Recall</th>
                <th className="num">F1</th>
                <th className="num">Support</th>
              </tr>
            </thead>
            <tbody>
              {r.perClass.map((c) => (
                <tr key={c.class}>
                  <td className="truncate">
                    {c.class}
                    {c.class === r.positiveClass ? <span className="muted small"> (positive)</span> : null}
                  </td>
                  <td className="num">{formatMetric(c.precision)}</td>
                  <td className="num">{formatMetric(c.recall)}</td>
                  <td className="num">{formatMetric(c.f1)}</td>
                  <td className="num">{formatInt(c.support)}</td>
                </tr>
              ))}
              <AveragedRow label="macro" m={r.macro} n={r.n} />
              <AveragedRow label="weighted" m={r.weighted} />
            </tbody>
          </table>
        </div>
        <div className="card">
          <h3>Confusion matrix</h3>
          <ConfusionHeatmap classes={r.classes} confusion={r.confusion} />
          <span className="muted small">Colour: share of the actual class (row). Diagonal: right answers.</span>
        </div>
      </div>
      <div className="report-grid charts">
        <div className="card" data-testid="roc-curve">
          <h3>ROC {r.roc.length > 1 ? '(one vs rest)' : ''} · AUC {formatHeadline(r.auc)}</h3>
          <CurveChart series={roc} width={cell} xLabel="false positive rate" yLabel="true positive rate" unit diagonal testId="roc-chart" />
        </div>
        <div className="card" data-testid="pr-curve">
          <h3>Precision–recall · AP {formatHeadline(r.averagePrecision)}</h3>
          <CurveChart series={pr} width={cell} xLabel="recall" yLabel="precision" unit testId="pr-chart" />
        </div>
        <div className="card" data-testid="calibration-curve">
          <h3>Calibration · ECE {formatHeadline(r.calibration.ece)}</h3>
          <CurveChart series={cal} width={cell} xLabel="mean predicted probability" yLabel="observed frequency" unit diagonal testId="calibration-chart" />
        </div>
      </div>
    </>
  );
}

function RegressionBody({ r, cell }: { r: RegressionReport; cell: number }) {
  const res = r.residuals;
  return (
    <div className="report-grid charts">
      <div className="card" data-testid="residuals">
        <h3>Residuals (actual − predicted)</h3>
        <CurveChart series={[{ id: 'res', name: 'residual', color: colorFor(0), points: zipPoints(res.predicted, res.residual) }]} width={cell} xLabel="predicted" yLabel="residual" scatter zeroLine testId="residual-chart" />
      </div>
      <div className="card">
        <h3>Predicted against actual</h3>
        <CurveChart series={[{ id: 'pa', name: 'case', color: colorFor(1), points: zipPoints(res.predicted, res.actual) }]} width={cell} xLabel="predicted" yLabel="actual" scatter testId="actual-chart" />
      </div>
      <div className="card">
        <h3>Residual histogram</h3>
        <CurveChart series={[{ id: 'h', name: 'cases', color: colorFor(2), points: res.histogram.map((b) => ({ x: (b.lo + b.hi) / 2, y: b.count })) }]} width={cell} xLabel="residual" yLabel="cases" testId="histogram-chart" />
      </div>
    </div>
  );
}

function Slices({ s }: { s: SliceReport }) {
  const keys = [...new Set(s.slices.flatMap((x) => Object.keys(x.headline)))].filter((k) => k !== 'value_per_1000').slice(0, 6);
  const withValue = s.slices.some((x) => x.businessValuePerCase !== undefined);
  return (
    <div className="card" data-testid="slices">
      <h3>
        Slices by <span className="mono">{s.column}</span>
      </h3>
      <div className="table-wrap">
        <table className="table compact">
          <thead>
            <tr>
              <th>{s.column}</th>
              <th className="num">Cases</th>
              {keys.map((k) => (
                <th key={k} className="num">
                  {headlineLabel(k)}
                </th>
              ))}
              {withValue && <th className="num">Value / case</th>}
            </tr>
          </thead>
          <tbody>
            {s.slices.map((x) => (
              <tr key={x.value} data-testid="slice-row">
                <td className="truncate">{x.value}</td>
                <td className="num">{formatInt(x.n)}</td>
                {keys.map((k) => (
                  <td key={k} className="num">
                    {formatMetric(x.headline[k] ?? null)}
                  </td>
                ))}
                {withValue && <td className="num">{x.businessValuePerCase === undefined ? '—' : money(x.businessValuePerCase)}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

export function EvaluationReportView({ id }: { id: string }) {
  const state = useEvaluationStore((s) => s.current);
  const run = useEvaluationStore((s) => s.run);
  const remove = useEvaluationStore((s) => s.remove);
  const show = useTrainingStore((s) => s.show);
  const [confirm, setConfirm] = useState(false);
  const [ref, width] = useWidth<HTMLDivElement>();
  useEffect(() => {
    void useEvaluationStore.getState().open(id);
  }, [id]);
  const ev = state.data?.id === id ? state.data : null;
  const cols = width > 1050 ? 3 : width > 680 ? 2 : 1;
  const cell = width > 0 ? Math.floor((width - (cols - 1) * 10) / cols) - 26 : 0;
  return (
    <section className="screen detail evaluation-report" data-testid="evaluation-report">
      <div className="screen-head">
        <button type="button" className="button ghost" onClick={() => (ev ? show({ kind: 'run', runId: ev.runId }) : show({ kind: 'home' }))} data-testid="back-to-run">
          ← {ev ? ev.runName : 'Training'}
        </button>
        <h1 className="truncate">
          Evaluation on <span className="mono">{ev?.dataRef ?? '…'}</span>
        </h1>
        {ev && (
          <span className="muted small">
            {formatTime(ev.createdAt)} · {formatInt(ev.report.n)} cases · scored in {formatDuration(ev.durationMs)}
            {ev.spec.slice ? ` · sliced by ${ev.spec.slice}` : ''}
          </span>
        )}
        <span className="spacer" />
        {ev && (
          <button type="button" className="button danger-ghost" onClick={() => setConfirm(true)} data-testid="delete-evaluation">
            Delete
          </button>
        )}
      </div>
      <ErrorBox error={state.error} />
      {!ev && state.loading && <div className="muted pad">Loading the report…</div>}
      <div ref={ref} className="report-body">
        {ev && (
          <>
            <RowsBanner ev={ev} />
            <Headline ev={ev} />
            {(ev.report.skippedRows > 0 || (ev.report.notes && ev.report.notes.length > 0)) && (
              <div className="card notes" data-testid="report-notes">
                {ev.report.skippedRows > 0 && <div className="small">{formatInt(ev.report.skippedRows)} rows could not be scored and are left out of every metric.</div>}
                {(ev.report.notes ?? []).map((n) => (
                  <div key={n} className="small muted">
                    {n}
                  </div>
                ))}
              </div>
            )}
            {ev.report.business && <Business b={ev.report.business} width={cell * (cols > 1 ? 1.4 : 1)} />}
            {ev.report.task === 'classification' ? <ClassificationBody r={ev.report} cell={cell} /> : <RegressionBody r={ev.report} cell={cell} />}
            <div className="report-grid">
              {ev.report.slices && <Slices s={ev.report.slices} />}
              <Baselines run={run?.id === ev.runId ? run : null} ev={ev} />
            </div>
          </>
        )}
      </div>
      {confirm && ev && (
        <ConfirmDialog title="Delete this evaluation?" confirmLabel="Delete" onClose={() => setConfirm(false)} onConfirm={async () => (await remove(ev.id)) && show({ kind: 'run', runId: ev.runId })}>
          <p>The report of {ev.runName} on {ev.dataRef} goes for good; the run and its model stay.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
