import { ErrorBox } from '../../components/ErrorBox';
import type { CellValue, ColumnShift, DatasetDiff } from '../../../shared/datasets';
import { formatCell, formatHeadline, formatInt, formatNumber, shortId } from '../../format';
import { useRef } from 'react';
import { datasetsSelectors, useDatasetsStore } from '../../stores/datasetsStore';

/** How worrying a PSI is, by the usual rule of thumb (<0.1 stable, <0.25 moderate, else large). */
export function psiLevel(psi: number | undefined): 'none' | 'stable' | 'moderate' | 'large' {
  if (psi === undefined || !Number.isFinite(psi)) return 'none';
  if (psi < 0.1) return 'stable';
  if (psi < 0.25) return 'moderate';
  return 'large';
}

function Cell({ value, changed, absent }: { value: CellValue; changed?: boolean; absent?: string }) {
  if (absent) {
    return (
      <td className="cell-absent muted" title={absent} data-testid="cell-absent">
        —
      </td>
    );
  }
  const c = formatCell(value);
  return <td className={`cell-${c.kind}${c.kind === 'number' ? ' num' : ''}${changed ? ' changed' : ''}`}>{c.text}</td>;
}

/** The columns a side's rows do not have (added or removed columns): their cells are absent, not null. */
function absentOn(diff: DatasetDiff, side: 'from' | 'to'): Set<string> {
  return new Set(diff.samples.absent?.[side] ?? diff.schema.filter((c) => c.change === (side === 'from' ? 'added' : 'removed')).map((c) => c.column));
}

function AbsentNote({ columns, version }: { columns: Set<string>; version: number }) {
  if (columns.size === 0) return null;
  return (
    <div className="muted small" data-testid="absent-note">
      — : {[...columns].join(', ')} {columns.size === 1 ? 'is' : 'are'} not in v{version}.
    </div>
  );
}

function SampleTable({
  title,
  rows,
  columns,
  kind,
  total,
  absent,
  version,
}: {
  title: string;
  rows: CellValue[][];
  columns: string[];
  kind: 'added' | 'removed';
  total: number;
  absent: Set<string>;
  version: number;
}) {
  if (rows.length === 0) return null;
  return (
    <div className="diff-block" data-testid={`diff-${kind}`}>
      <h3>
        {title} <span className="muted small">{rows.length < total ? `first ${rows.length} of ${formatInt(total)}` : formatInt(total)}</span>
      </h3>
      <div className="table-wrap">
        <table className="table compact">
          <thead>
            <tr>
              <th />
              {columns.map((c, i) => (
                <th key={i}>{c}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i} className={`row-${kind}`}>
                <td className="sign">{kind === 'added' ? '+' : '−'}</td>
                {r.map((v, j) => (
                  <Cell key={j} value={v} absent={absent.has(columns[j]) ? `${columns[j]} is not in v${version}` : undefined} />
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <AbsentNote columns={absent} version={version} />
    </div>
  );
}

function ModifiedTable({ diff }: { diff: DatasetDiff }) {
  const { modified, columns } = diff.samples;
  const [notFrom, notTo] = [absentOn(diff, 'from'), absentOn(diff, 'to')];
  if (modified.length === 0) return null;
  return (
    <div className="diff-block" data-testid="diff-modified">
      <h3>
        Modified rows <span className="muted small">{modified.length < diff.rows.modified ? `first ${modified.length} of ${formatInt(diff.rows.modified)}` : formatInt(diff.rows.modified)}</span>
      </h3>
      <div className="table-wrap">
        <table className="table compact">
          <thead>
            <tr>
              <th title={diff.key ? undefined : `No key: rows are paired by content; the number is the row's position in v${diff.to.number}`}>{diff.key ?? `row in v${diff.to.number}`}</th>
              <th />
              {columns.map((c, i) => (
                <th key={i}>{c}</th>
              ))}
            </tr>
          </thead>
          {modified.map((m, i) => {
            const changed = new Set(m.changedColumns);
            return (
              <tbody key={i} className="modified-pair">
                <tr className="row-before">
                  <td rowSpan={2} className="mono">
                    {formatCell(m.key).text}
                  </td>
                  <td className="sign">−</td>
                  {m.before.map((v, j) => (
                    <Cell key={j} value={v} changed={changed.has(columns[j])} absent={notFrom.has(columns[j]) ? `${columns[j]} is not in v${diff.from.number}` : undefined} />
                  ))}
                </tr>
                <tr className="row-after">
                  <td className="sign">+</td>
                  {m.after.map((v, j) => (
                    <Cell key={j} value={v} changed={changed.has(columns[j])} absent={notTo.has(columns[j]) ? `${columns[j]} is not in v${diff.to.number}` : undefined} />
                  ))}
                </tr>
              </tbody>
            );
          })}
        </table>
      </div>
      <AbsentNote columns={notFrom} version={diff.from.number} />
      <AbsentNote columns={notTo} version={diff.to.number} />
    </div>
  );
}

function fromTo(a: number | undefined, b: number | undefined) {
  if (a === undefined && b === undefined) return <span className="muted">—</span>;
  return (
    <>
      {formatNumber(a)} <span className="muted">→</span> {formatNumber(b)}
    </>
  );
}

function ShiftsTable({ shifts }: { shifts: ColumnShift[] }) {
  if (shifts.length === 0) return null;
  return (
    <div className="diff-block" data-testid="diff-shifts">
      <h3>Column shifts</h3>
      <div className="table-wrap">
        <table className="table compact">
          <thead>
            <tr>
              <th>Column</th>
              <th>Type</th>
              <th className="num">Missing</th>
              <th className="num">Mean</th>
              <th className="num">Std</th>
              <th className="num">Distinct</th>
              <th className="num" title="Population stability index: <0.1 stable, 0.1–0.25 moderate, >0.25 large shift">
                PSI
              </th>
            </tr>
          </thead>
          <tbody>
            {shifts.map((s) => {
              const level = psiLevel(s.psi);
              return (
                <tr key={s.column} data-testid="shift-row" data-column={s.column} data-presence={s.presence}>
                  <td className="strong">
                    {s.column}
                    {s.presence && <span className={`muted small schema-${s.presence}`}> ({s.presence === 'added' ? 'new column' : 'column removed'})</span>}
                  </td>
                  <td className="muted">{s.type}</td>
                  <td className="num">{fromTo(s.missingFrom, s.missingTo)}</td>
                  <td className="num">{fromTo(s.meanFrom, s.meanTo)}</td>
                  <td className="num">{fromTo(s.stdFrom, s.stdTo)}</td>
                  <td className="num">{fromTo(s.distinctFrom, s.distinctTo)}</td>
                  <td className="num">
                    {s.psi === undefined ? <span className="muted">—</span> : <span className={`psi psi-${level}`}>{formatHeadline(s.psi)}</span>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function FileList({ title, files, kind }: { title: string; files: string[]; kind: string }) {
  if (files.length === 0) return null;
  return (
    <div className="diff-block" data-testid={`diff-files-${kind}`}>
      <h3>
        {title} <span className="muted small">{formatInt(files.length)}</span>
      </h3>
      <ul className={`file-list mono small files-${kind}`}>
        {files.slice(0, 200).map((f) => (
          <li key={f}>{f}</li>
        ))}
        {files.length > 200 && <li className="muted">…and {files.length - 200} more</li>}
      </ul>
    </div>
  );
}

/**
 * The diff whose columns the key picker offers while a refused diff is shown: the last one computed for
 * the same two versions (a refusal such as a non-unique key must not take the picker away).
 */
export function pickerDiff(last: DatasetDiff | null, fromId: string | undefined, toId: string | undefined): DatasetDiff | null {
  return last && last.from.id === fromId && last.to.id === toId ? last : null;
}

function DiffHead({ d }: { d: DatasetDiff }) {
  const diffKey = useDatasetsStore((s) => s.diffKey);
  const runDiff = useDatasetsStore((s) => s.runDiff);
  return (
    <div className="diff-head">
      <span className="strong">
        {d.from.dataset}@v{d.from.number} <span className="mono muted">{shortId(d.from.id)}</span> → v{d.to.number}{' '}
        <span className="mono muted">{shortId(d.to.id)}</span>
      </span>
      <div className="spacer" />
      <label className="row gap small">
        <span className="muted">Match rows by</span>
        <select className="input select" value={diffKey ?? ''} onChange={(e) => void runDiff(e.target.value || null)} data-testid="diff-key">
          <option value="">whole row (no key)</option>
          {d.samples.columns.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

export function DiffView() {
  const diff = useDatasetsStore((s) => s.diff);
  // A string, not the pair: a selector must return a stable value.
  const pairIds = useDatasetsStore((s) => datasetsSelectors.diffPair(s)?.map((v) => v.id).join(' ') ?? '');
  const runDiff = useDatasetsStore((s) => s.runDiff);
  const last = useRef<DatasetDiff | null>(null);
  const d = diff.data;
  if (d) last.current = d;
  if (diff.error) {
    const [fromId, toId] = pairIds.split(' ');
    const head = pickerDiff(last.current, fromId, toId);
    return (
      <div className="diff" data-testid="diff-view">
        {head && <DiffHead d={head} />}
        <ErrorBox error={diff.error} testId="diff-error" />
        {!head && (
          <button className="button" onClick={() => void runDiff(null)} data-testid="diff-no-key">
            Diff without a key
          </button>
        )}
      </div>
    );
  }
  if (!d) return <div className="muted pad">{diff.loading ? 'Comparing…' : 'Tick two versions in the list above, then press Diff.'}</div>;
  return (
    <div className="diff" data-testid="diff-view" aria-busy={diff.loading}>
      <DiffHead d={d} />
      <div className="chips" data-testid="diff-summary">
        <span className="chip chip-added" data-testid="diff-added-count">
          +{formatInt(d.rows.added)} added
        </span>
        <span className="chip chip-removed" data-testid="diff-removed-count">
          −{formatInt(d.rows.removed)} removed
        </span>
        <span className="chip chip-modified">~{formatInt(d.rows.modified)} modified</span>
        <span className="chip">{formatInt(d.rows.unchanged)} unchanged</span>
        {!d.key && d.matching?.by === 'content' && (
          <span className="muted small" data-testid="diff-matching">
            No key: a removed and an added row that agree on at least half the columns count as one modified row.
          </span>
        )}
        {!d.key && d.matching?.by !== 'content' && (d.rows.added > 0 || d.rows.removed > 0) && (
          <span className="muted small" data-testid="diff-matching">
            {d.matching?.note ?? 'Without a key a changed row shows as removed + added; pick a key column to see cell changes.'}
          </span>
        )}
      </div>
      {d.schema.length > 0 && (
        <div className="diff-block" data-testid="diff-schema">
          <h3>Schema</h3>
          <ul className="schema-list">
            {d.schema.map((c) => (
              <li key={c.column} className={`schema-${c.change}`}>
                <span className="sign">{c.change === 'added' ? '+' : c.change === 'removed' ? '−' : '~'}</span> <span className="strong">{c.column}</span>{' '}
                <span className="muted">{c.change === 'type-changed' ? `${c.from} → ${c.to}` : c.change}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {d.files && (
        <>
          <div className="muted small">{formatInt(d.files.unchanged)} files unchanged</div>
          <FileList title="Files added" files={d.files.added} kind="added" />
          <FileList title="Files removed" files={d.files.removed} kind="removed" />
          <FileList title="Files modified" files={d.files.modified} kind="modified" />
        </>
      )}
      <SampleTable title="Added rows" rows={d.samples.added} columns={d.samples.columns} kind="added" total={d.rows.added} absent={absentOn(d, 'to')} version={d.to.number} />
      <SampleTable title="Removed rows" rows={d.samples.removed} columns={d.samples.columns} kind="removed" total={d.rows.removed} absent={absentOn(d, 'from')} version={d.from.number} />
      <ModifiedTable diff={d} />
      <ShiftsTable shifts={d.columns} />
    </div>
  );
}
