import { useEffect, useState } from 'react';
import { EXPORT_FORMATS, type ExportRecord } from '../../../shared/registry';
import { ErrorBox } from '../../components/ErrorBox';
import { formatBytes } from '../../format';
import { useAppStore } from '../../stores/appStore';
import { FORMAT_INFO, suggestOut, useDeployStore } from '../../stores/deployStore';
import { useModelsStore } from '../../stores/modelsStore';
import { exportFacts, formatDiff, refsOf } from '../../stores/modelsView';
import { formatTime } from '../../stores/runsTable';
import { CopyText } from './CopyText';
import { TaskProgress } from './TaskProgress';

/**
 * The folder to offer when the engine refused `out` because it exists: `<folder>-2`, or the next number
 * after the one already tried, skipping folders known to be taken (earlier exports, earlier refusals).
 */
export function nextFolder(out: string, taken: ReadonlySet<string>): string {
  const trimmed = out.trim().replace(/[\\/]+$/, '');
  const m = /^(.*?)-(\d+)$/.exec(trimmed);
  const base = m ? m[1] : trimmed;
  let n = m ? Number(m[2]) + 1 : 2;
  while (taken.has(`${base}-${n}`)) n++;
  return `${base}-${n}`;
}

/** The result of one export: where, what, its hash, and the facts of its format (ONNX check, run command). */
export function ExportResultView({ r }: { r: ExportRecord }) {
  const facts = exportFacts(r);
  return (
    <div className="result ok export-result" data-testid="export-result" data-format={r.format}>
      <div className="row gap">
        <span className="strong">
          Exported {r.model}@{r.number} as {FORMAT_INFO[r.format]?.title ?? r.format}
        </span>
        <span className="muted small">
          {r.files.length} file{r.files.length === 1 ? '' : 's'} · {formatBytes(r.bytes)} · {formatTime(r.createdAt)}
        </span>
      </div>
      <div className="small">
        to <code data-testid="export-result-dir">{r.outDir}</code>
      </div>
      <div className="small">
        content hash <span className="mono" title={r.contentHash} data-testid="export-result-hash">{r.contentHash.slice(0, 16)}</span>
      </div>
      {facts.onnx && (
        <div className={facts.onnx.ok ? 'onnx-check ok' : 'onnx-check bad'} data-testid="onnx-check">
          <span className="onnx-diff">max |ONNX − TF.js| = {formatDiff(facts.onnx.maxAbsDiff)}</span>
          <span>
            on {facts.onnx.rows} rows {facts.onnx.ok ? '✓' : '✗'} (allowed {formatDiff(facts.onnx.tolerance)})
          </span>
          {facts.onnx.source && <span className="muted small">{facts.onnx.source}</span>}
        </div>
      )}
      {facts.run && (
        <div className="serving-run">
          <div className="small strong">Run the server</div>
          <CopyText text={facts.run} testId="serving-command" />
          {facts.smokeTest && (
            <>
              <div className="small muted">Check it (starts it on a free port and calls /health and /predict)</div>
              <CopyText text={facts.smokeTest} testId="serving-smoke" />
            </>
          )}
          {facts.docker && (
            <>
              <div className="small muted">Or build a container</div>
              <CopyText text={facts.docker} testId="serving-docker" />
            </>
          )}
        </div>
      )}
      {facts.load && (
        <div className="small">
          Load with <code>{facts.load}</code>
        </div>
      )}
      <details className="export-files">
        <summary className="small">Files</summary>
        <table className="table compact" data-testid="export-files">
          <tbody>
            {r.files.map((f) => (
              <tr key={f.path}>
                <td className="mono">{f.path}</td>
                <td className="num muted">{formatBytes(f.size)}</td>
                <td className="mono muted small" title={f.sha256}>
                  {f.sha256.slice(0, 12)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </div>
  );
}

export function ExportPanel() {
  const ref = useDeployStore((s) => s.ref);
  const format = useDeployStore((s) => s.format);
  const out = useDeployStore((s) => s.out);
  const resolved = useDeployStore((s) => s.resolved);
  const busy = useDeployStore((s) => s.busy);
  const result = useDeployStore((s) => s.result);
  const error = useDeployStore((s) => s.error);
  const { setRef, setFormat, setOut, runExport } = useDeployStore.getState();
  const models = useModelsStore((s) => s.list.data);
  const home = useAppStore((s) => s.info?.home);
  const [outTouched, setOutTouched] = useState(false);
  // Folders the engine refused as existing in this session, so the offer moves past them.
  const [refused, setRefused] = useState<ReadonlySet<string>>(new Set());
  const history = useDeployStore((s) => s.history.data);
  const exists = error?.code === 'ALREADY_EXISTS' && error.where === 'out';
  const offer = exists ? nextFolder(out, new Set([...refused, ...(history ?? []).map((h) => h.outDir.replace(/[\\/]+$/, ''))])) : null;
  const exportInto = (folder: string) => {
    setRefused((r) => new Set([...r, out.trim().replace(/[\\/]+$/, '')]));
    setOutTouched(true);
    setOut(folder);
    void runExport();
  };
  const refs = refsOf(models ?? []);

  // A sensible first ref: the first model's champion, else its latest version.
  const firstRef = refs.find((r) => r.endsWith('@champion')) ?? refs.find((r) => r.endsWith('@latest')) ?? refs[0];
  useEffect(() => {
    if (!useDeployStore.getState().ref && firstRef) setRef(firstRef);
  }, [firstRef, setRef]);
  // What the ref points at, checked as it is typed.
  useEffect(() => {
    const t = setTimeout(() => void useDeployStore.getState().resolve(), 250);
    return () => clearTimeout(t);
  }, [ref]);
  // The folder follows the ref and format until the user types one.
  useEffect(() => {
    if (!outTouched) setOut(suggestOut(home, ref, format));
  }, [home, ref, format, outTouched, setOut]);

  const v = resolved.data;
  const canExport = !busy && !!ref.trim() && !!out.trim() && !!v;
  return (
    <div className="card deploy-export" data-testid="deploy-export">
      <h2>Export a model version</h2>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (canExport) void runExport();
        }}
      >
        <label className="field">
          <span>Model</span>
          <input className="input mono" list="deploy-refs" value={ref} onChange={(e) => setRef(e.target.value)} placeholder="penguins-classifier@champion" data-testid="deploy-ref" />
          <datalist id="deploy-refs">
            {refs.map((r) => (
              <option key={r} value={r} />
            ))}
          </datalist>
          <small className={resolved.error ? 'field-error' : 'muted'} data-testid="deploy-resolved">
            {resolved.error
              ? resolved.error.message
              : v
                ? `→ ${v.model} v${v.number}${v.aliases.length ? ` (${v.aliases.join(', ')})` : ''}, from run ${v.runName ?? v.runId ?? '—'}, registered ${formatTime(v.createdAt)}`
                : resolved.loading
                  ? 'Looking it up…'
                  : 'A ref: model@champion, model@latest, model@3'}
          </small>
        </label>
        <fieldset className="field formats" data-testid="deploy-formats">
          <legend>Format</legend>
          {EXPORT_FORMATS.map((f) => (
            <label key={f} className={f === format ? 'format-choice active' : 'format-choice'} data-testid={`format-${f}`}>
              <span className="format-head">
                <input type="radio" name="format" value={f} checked={f === format} onChange={() => setFormat(f)} />
                <span className="format-title">{FORMAT_INFO[f].title}</span>
              </span>
              <span className="format-line muted small">{FORMAT_INFO[f].line}</span>
            </label>
          ))}
        </fieldset>
        <label className="field">
          <span>Output folder on this computer</span>
          <input
            className="input mono"
            value={out}
            onChange={(e) => {
              setOutTouched(true);
              setOut(e.target.value);
            }}
            placeholder="/home/me/exports/penguins-classifier-onnx"
            data-testid="deploy-out"
          />
          <small className="muted">A new or empty folder; it is written whole or not at all. The engine runs on this computer, so this is a local path.</small>
        </label>
        <div className="row gap">
          <button type="submit" className="button primary" disabled={!canExport} data-testid="deploy-export-submit">
            {busy ? 'Exporting…' : 'Export'}
          </button>
          <span className="muted small">
            or <code>lathe export {ref || '<model-ref>'} --format {format} --out &lt;dir&gt;</code>
          </span>
        </div>
      </form>
      {busy && <TaskProgress match={(l) => l.startsWith('Export ')} fallback="Exporting…" testId="deploy-progress" />}
      <ErrorBox error={error} testId="deploy-error" />
      {offer && !busy && (
        <div className="row gap small" data-testid="deploy-new-folder">
          <button type="button" className="button" onClick={() => exportInto(offer)} data-testid="deploy-export-new-folder">
            Export into a new folder
          </button>
          <code className="truncate" title={offer}>
            {offer}
          </code>
        </div>
      )}
      {result && !busy && <ExportResultView r={result} />}
    </div>
  );
}
