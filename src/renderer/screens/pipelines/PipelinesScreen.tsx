import { useEffect, useMemo } from 'react';
import type { GateDecision, PipelineRun, PipelineSummary, StageJob } from '../../../shared/pipelines';
import { ErrorBox } from '../../components/ErrorBox';
import { layoutLineage } from '../../components/lineage/layout';
import { formatMetric, formatTime } from '../../format';
import { usePipelinesStore } from '../../stores/pipelinesStore';
import './pipelines.css';

/**
 * Pipelines: the list (last run, state, triggers, next scheduled run); one pipeline's DAG with live
 * stage states, the selected stage's why, inputs, outputs and log; the gate's decision card; the run
 * history with why each stage re-ran (and what would run now); the file, checked as you type.
 */

const when = formatTime;
const num = formatMetric;

function StateBadge(props: { state: string }) {
  return <span className={`pl-state pl-state-${props.state}`} data-testid="pl-state">{props.state}</span>;
}

function PipelineList(props: { list: PipelineSummary[]; current: string | null }) {
  const open = usePipelinesStore((s) => s.open);
  return (
    <table className="table pl-list" data-testid="pipelines-list">
      <thead>
        <tr>
          <th>Pipeline</th>
          <th>Last run</th>
          <th>Triggers</th>
          <th>Next run</th>
        </tr>
      </thead>
      <tbody>
        {props.list.map((p) => (
          <tr key={p.name} className={p.name === props.current ? 'selected' : ''} onClick={() => void open(p.name)} data-testid="pipeline-row">
            <td>
              <button type="button" className="link" onClick={() => void open(p.name)}>
                {p.name}
              </button>
              <div className="muted small">{p.stages.length} stages</div>
            </td>
            <td>{p.lastRun ? <StateBadge state={p.lastRun.state} /> : <span className="muted">never</span>}<div className="muted small">{when(p.lastRun?.createdAt)}</div></td>
            <td className="small">{p.triggers.map((t) => t.kind).join(', ') || 'manual'}</td>
            <td className="small">{when(p.nextRunAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const NODE = { w: 150, h: 44, gapX: 20, gapY: 26, pad: 10 };

/** The DAG top to bottom: lineage/layout.ts places stages in columns by depth; here columns become rows. */
function Dag(props: { summary: PipelineSummary; run: PipelineRun | null; selected: string | null }) {
  const select = usePipelinesStore((s) => s.selectStage);
  const states = new Map(props.run?.stages.map((s) => [s.stage, s.state]) ?? []);
  const placed = useMemo(() => {
    const l = layoutLineage({
      nodes: props.summary.stages.map((s) => ({ key: s.name, kind: `stage-${s.type}`, id: s.name, label: s.name })),
      edges: props.summary.stages.flatMap((s) => s.needs.map((n) => ({ from: n, to: s.name, relation: 'needs' }))),
    });
    const widest = Math.max(1, ...l.nodes.map((n) => n.row + 1));
    const nodes = l.nodes.map((n) => ({ key: n.key, x: NODE.pad + n.row * (NODE.w + NODE.gapX), y: NODE.pad + n.col * (NODE.h + NODE.gapY) }));
    const at = new Map(nodes.map((n) => [n.key, n]));
    const edges = l.edges.map((e) => {
      const a = at.get(e.from)!;
      const b = at.get(e.to)!;
      const x1 = a.x + NODE.w / 2;
      const y1 = a.y + NODE.h;
      const x2 = b.x + NODE.w / 2;
      const y2 = b.y;
      const m = (y1 + y2) / 2;
      return { key: `${e.from}>${e.to}`, d: `M ${x1} ${y1} C ${x1} ${m}, ${x2} ${m}, ${x2} ${y2}` };
    });
    return { nodes, edges, width: 2 * NODE.pad + widest * NODE.w + (widest - 1) * NODE.gapX, height: 2 * NODE.pad + l.columns * NODE.h + (l.columns - 1) * NODE.gapY };
  }, [props.summary]);
  const types = new Map(props.summary.stages.map((s) => [s.name, s.type]));
  return (
    <div className="pl-dag-scroll">
      <div className="pl-dag" style={{ width: placed.width, height: placed.height }} data-testid="pipeline-dag">
        <svg className="lineage-edges" width={placed.width} height={placed.height} aria-hidden>
          {placed.edges.map((e) => (
            <path key={e.key} d={e.d} className="lineage-edge" />
          ))}
        </svg>
        {placed.nodes.map((n) => {
          const state = states.get(n.key) ?? 'pending';
          return (
            <button
              key={n.key}
              type="button"
              className={`pl-node pl-node-${state}${props.selected === n.key ? ' focus' : ''}`}
              style={{ left: n.x, top: n.y, width: NODE.w, height: NODE.h }}
              onClick={() => void select(n.key)}
              data-testid="pl-node"
              data-stage={n.key}
              data-state={state}
              title={props.run?.stages.find((s) => s.stage === n.key)?.why ?? n.key}
            >
              <span className="pl-node-top">
                <span className="pl-node-type">{types.get(n.key)}</span>
                <span className="pl-node-state">{state}</span>
              </span>
              <span className="pl-node-name truncate">{n.key}</span>
            </button>
          );
        })}
      </div>
    </div>
  );
}

function Pairs(props: { title: string; rows: [string, string][] }) {
  return (
    <div>
      <div className="muted small">{props.title}</div>
      <table className="table compact pl-pairs">
        <tbody>
          {props.rows.map(([k, v]) => (
            <tr key={k}>
              <td className="small">{k}</td>
              <td className="mono small truncate" title={v}>
                {v}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function StagePanel(props: { job: StageJob }) {
  const j = props.job;
  return (
    <div className="card pl-stage" data-testid="stage-panel">
      <div className="card-head">
        <span className="card-title">
          {j.stage} <span className="muted">({j.type})</span>
        </span>
        <StateBadge state={j.state} />
      </div>
      <p className="pl-why" data-testid="stage-why">{j.why}</p>
      {j.error && <p className="field-error">{j.error}</p>}
      <div className="pl-kv-grid">
        <Pairs title="Inputs (content hashes)" rows={Object.entries(j.inputs)} />
        <Pairs title="Outputs" rows={[...Object.entries(j.outputs).map(([k, v]) => [k, String(v)] as [string, string]), ...Object.entries(j.files)]} />
      </div>
      {j.log && <pre className="log pl-log" data-testid="stage-log">{j.log}</pre>}
    </div>
  );
}

function DecisionCard(props: { d: GateDecision }) {
  const { d } = props;
  const n = d.numbers;
  return (
    <div className={`card pl-decision pl-decision-${d.verdict}`} data-testid="gate-decision">
      <div className="card-head">
        <span className="card-title">Gate {d.stage}: {d.model}@{d.alias}</span>
        <span className={`pl-verdict pl-verdict-${d.verdict}`}>{d.verdict.toUpperCase()}</span>
      </div>
      <p data-testid="gate-reason">{d.reason}</p>
      {n && (
        <table className="table compact">
          <thead>
            <tr>
              <th>{n.metric} per case</th>
              <th className="num">Champion</th>
              <th className="num">Challenger</th>
              <th className="num">Improvement</th>
              <th className="num">{n.interval ? `${Math.round(n.interval.confidence * 100)}% interval` : 'Interval'}</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td>primary</td>
              <td className="num">{num(n.champion)}</td>
              <td className="num">{num(n.challenger)}</td>
              <td className="num">{num(n.difference)}</td>
              <td className="num" data-testid="gate-interval">{n.interval ? `[${num(n.interval.lo)}, ${num(n.interval.hi)}]` : '—'}</td>
            </tr>
            {n.guards.map((g) => (
              <tr key={g.metric}>
                <td>guard {g.metric}</td>
                <td className="num">{num(g.champion)}</td>
                <td className="num">{num(g.challenger)}</td>
                <td className="num">{num(g.change)}</td>
                <td className="num">{g.ok ? `ok (tolerance ${g.tolerance})` : `regressed (tolerance ${g.tolerance})`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="muted small">
        {d.rows} rows of data version <span className="mono">{d.dataVersion.slice(0, 12)}</span>, paired bootstrap ({n?.interval?.resamples ?? d.rule.resamples} resamples, seed {d.rule.seed}); margin {d.rule.margin}, at least {d.rule.minRows} rows. Champion{' '}
        <span className="mono">{d.championVersion ? d.championVersion.slice(0, 12) : 'none'}</span>, challenger run <span className="mono">{d.challengerRun.slice(0, 12)}</span>.
      </p>
    </div>
  );
}

function RunTab() {
  const { current, run, stage, decision } = usePipelinesStore();
  if (!current) return null;
  const job = run?.stages.find((s) => s.stage === stage) ?? null;
  return (
    <div className="pl-run">
      {run ? (
        <p className="muted small" data-testid="run-head">
          Run <span className="mono">{run.id.slice(0, 12)}</span> <StateBadge state={run.state} /> · {run.trigger}
          {run.triggerDetail ? `: ${run.triggerDetail}` : ''} · {when(run.createdAt)} · definition <span className="mono">{run.definitionHash.slice(0, 12)}</span>
          {run.error ? ` · ${run.error}` : ''}
        </p>
      ) : (
        <p className="muted">Not run yet. “Run now” runs it; its triggers run it while Lathe is open.</p>
      )}
      <Dag summary={current} run={run} selected={stage} />
      {job ? <StagePanel job={job} /> : run && <p className="muted small">Select a stage for why it ran, its inputs, outputs and log.</p>}
      {decision && <DecisionCard d={decision} />}
    </div>
  );
}

function HistoryTab() {
  const { history, explain, showRun, setTab } = usePipelinesStore();
  return (
    <div className="pl-history">
      {explain && (
        <div className="card" data-testid="explain">
          <div className="card-head">
            <span className="card-title">If it ran now</span>
          </div>
          <table className="table compact">
            <tbody>
              {explain.map((e) => (
                <tr key={e.stage}>
                  <td>{e.stage}</td>
                  <td>
                    <span className={`pl-state pl-state-${e.verdict === 'cached' ? 'cached' : e.verdict === 'run' ? 'ran' : e.verdict === 'blocked' ? 'blocked' : 'pending'}`}>{e.verdict}</span>
                  </td>
                  <td className="small">{e.why}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <table className="table" data-testid="run-history">
        <thead>
          <tr>
            <th>When</th>
            <th>State</th>
            <th>Trigger</th>
            <th>Stages that ran, and why</th>
          </tr>
        </thead>
        <tbody>
          {history.map((r) => (
            <tr
              key={r.id}
              onClick={() => {
                void showRun(r.id);
                setTab('run');
              }}
            >
              <td className="nowrap small">{when(r.createdAt)}</td>
              <td>
                <StateBadge state={r.state} />
              </td>
              <td className="small">{r.trigger}</td>
              <td className="small">
                {r.stages.filter((s) => s.state === 'ran' || s.state === 'failed').length === 0 ? (
                  <span className="muted">{r.stages.filter((s) => s.state === 'cached').length} of {r.stages.length} cached</span>
                ) : (
                  r.stages
                    .filter((s) => s.state === 'ran' || s.state === 'failed')
                    .map((s) => (
                      <div key={s.stage}>
                        <b>{s.stage}</b> {s.state === 'failed' ? `failed (${s.error ?? ''}): ` : ''}
                        {s.why}
                      </div>
                    ))
                )}
                {r.error && <div className="muted">{r.error}</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function FileTab() {
  const { draft, issues, setDraft, save, busy, current } = usePipelinesStore();
  const lines = draft.split('\n');
  const bad = new Map(issues.map((i) => [i.line, i]));
  return (
    <div className="pl-file">
      <div className="pl-editor">
        <pre className="pl-gutter" aria-hidden>
          {lines.map((_, i) => (
            <span key={i} className={bad.has(i + 1) ? 'pl-gutter-bad' : ''}>
              {i + 1}
              {'\n'}
            </span>
          ))}
        </pre>
        <textarea className="pl-text mono" spellCheck={false} value={draft} onChange={(e) => void setDraft(e.target.value)} aria-label="Pipeline file" data-testid="pipeline-editor" style={{ height: Math.max(12, lines.length + 1) * 18 + 16 }} />
      </div>
      {issues.length > 0 ? (
        <ul className="pl-issues" data-testid="pipeline-issues">
          {issues.map((i, k) => (
            <li key={k}>
              <span className="mono">
                {i.line}:{i.column}
              </span>{' '}
              {i.message}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small">No problems.</p>
      )}
      <div className="form-actions">
        <button type="button" className="button primary" disabled={busy || issues.length > 0 || draft === current?.text} onClick={() => void save()} data-testid="pipeline-save">
          Save
        </button>
        {current?.sourcePath && <span className="muted small">{current.sourcePath}</span>}
      </div>
    </div>
  );
}

export function PipelinesScreen() {
  const { list: listState, current, tab, setTab, loadList, runNow, busy, error } = usePipelinesStore();
  const { data: list, error: listError } = listState;
  useEffect(() => {
    void loadList();
  }, [loadList]);
  useEffect(() => {
    if (!current && list && list.length > 0) void usePipelinesStore.getState().open(list[0].name);
  }, [current, list]);
  return (
    <section className="screen pipelines-screen" data-testid="pipelines-screen">
      <div className="screen-head">
        <h1>Pipelines</h1>
        <span className="muted">Declared stages, cached when nothing changed; a gate promotes only a better model</span>
      </div>
      {listError && <ErrorBox error={listError} />}
      {list && list.length === 0 && (
        <div className="empty" data-testid="pipelines-empty">
          <div className="empty-title">No pipelines yet</div>
          <p className="muted">Write one in YAML (docs/PIPELINES.md) and run it: <span className="mono">lathe pipeline run pipeline.yaml</span></p>
        </div>
      )}
      {list && list.length > 0 && (
        <div className="pl-grid">
          <PipelineList list={list} current={current?.name ?? null} />
          {current && (
            <div className="pl-detail">
              <div className="pl-head">
                <div>
                  <h2 data-testid="pipeline-name">{current.name}</h2>
                  <div className="muted small">{current.description}</div>
                  <div className="chips">
                    {(current.triggers.length ? current.triggers : [{ kind: 'manual' as const }]).map((t, i) => (
                      <span key={i} className="chip">
                        {t.kind === 'schedule' ? `schedule ${t.cron}` : t.kind === 'dataset' ? `new version of ${t.name}` : t.kind === 'folder' ? `files in ${t.path}` : t.kind === 'alert' ? `alert${t.monitor ? ` ${t.monitor}` : ''}` : 'manual'}
                      </span>
                    ))}
                    {current.nextRunAt && <span className="chip">next {when(current.nextRunAt)}</span>}
                  </div>
                </div>
                <div className="pl-actions">
                  <button type="button" className="button primary" disabled={busy} onClick={() => void runNow()} data-testid="pipeline-run-now">
                    Run now
                  </button>
                  <button type="button" className="button" disabled={busy} onClick={() => void runNow({ force: true })} title="Run every stage, ignoring the cache">
                    Force
                  </button>
                </div>
              </div>
              {error && <ErrorBox error={error} />}
              <div className="tabs" role="tablist">
                {(['run', 'history', 'file'] as const).map((t) => (
                  <button key={t} type="button" role="tab" aria-selected={tab === t} className={`tab${tab === t ? ' active' : ''}`} onClick={() => setTab(t)} data-testid={`pipeline-tab-${t}`}>
                    {t === 'run' ? 'Run' : t === 'history' ? 'History' : 'File'}
                  </button>
                ))}
              </div>
              {tab === 'run' ? <RunTab /> : tab === 'history' ? <HistoryTab /> : <FileTab />}
            </div>
          )}
        </div>
      )}
    </section>
  );
}
