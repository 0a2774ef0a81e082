import { useEffect } from 'react';
import { Bar, BarChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ErrorBox } from '../../components/ErrorBox';
import type { ColumnProfile, DatasetVersion, ImageProfile, TableProfile } from '../../../shared/datasets';
import { formatInt, formatNumber, formatPercent, isIdLike } from '../../format';
import { useDatasetsStore } from '../../stores/datasetsStore';

const TOOLTIP_STYLE = { background: 'var(--panel)', border: '1px solid var(--border)', borderRadius: 4, fontSize: 12, color: 'var(--text)' };

function Histogram({ column }: { column: ColumnProfile }) {
  const opts = { plain: isIdLike(column.name) };
  const data = (column.histogram ?? []).map((b) => ({ label: formatNumber(b.lo, opts), range: `${formatNumber(b.lo, opts)} – ${formatNumber(b.hi, opts)}`, count: b.count }));
  if (data.length === 0) return null;
  return (
    <div className="chart" data-testid="histogram">
      <ResponsiveContainer width="100%" height={96}>
        <BarChart data={data} margin={{ top: 4, right: 4, bottom: 0, left: 0 }} barCategoryGap={1}>
          <XAxis dataKey="label" tick={{ fontSize: 10 }} interval="preserveStartEnd" tickLine={false} axisLine={false} minTickGap={16} />
          <YAxis hide />
          <Tooltip
            cursor={{ fill: 'var(--hover)' }}
            contentStyle={TOOLTIP_STYLE}
            labelFormatter={(_l, p) => (p?.[0]?.payload as { range?: string } | undefined)?.range ?? ''}
            formatter={(v) => [formatInt(Number(v)), 'rows']}
            isAnimationActive={false}
          />
          <Bar dataKey="count" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

function TopValues({ column }: { column: ColumnProfile }) {
  const top = (column.top ?? []).slice(0, 6);
  if (top.length === 0) return null;
  const max = Math.max(...top.map((t) => t.count), 1);
  return (
    <ul className="top-values" data-testid="top-values">
      {top.map((t, i) => (
        <li key={i}>
          <span className="top-label truncate" title={t.value}>
            {t.value}
          </span>
          <span className="top-bar">
            <span style={{ width: `${(100 * t.count) / max}%` }} />
          </span>
          <span className="num small">{formatInt(t.count)}</span>
        </li>
      ))}
      {column.distinct > top.length && <li className="muted small">+{formatInt(column.distinct - top.length)} more values</li>}
    </ul>
  );
}

function Stat({ label, value, title }: { label: string; value: string; title?: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd className="num" title={title}>
        {value}
      </dd>
    </>
  );
}

const QUANTILE_NAMES = ['p01', 'p05', 'p25', 'p50', 'p75', 'p95', 'p99'] as const;

/** A numeric column's percentiles: estimates from a KLL sketch, hence the ≈ (see docs/ARCHITECTURE.md). */
function Quantiles({ quantiles }: { quantiles: NonNullable<ColumnProfile['quantiles']> }) {
  return (
    <dl className="stats" data-testid="quantiles" title="Approximate percentiles (KLL sketch, within about 1.5% of rank)">
      {QUANTILE_NAMES.map((n) => (
        <Stat key={n} label={n} value={`≈ ${formatNumber(quantiles[n])}`} />
      ))}
    </dl>
  );
}

function ColumnCard({ column }: { column: ColumnProfile }) {
  return (
    <article className="card" data-testid={`profile-card`}>
      <header className="card-head">
        <span className="card-title truncate" title={column.name}>
          {column.name}
        </span>
        <span className={`badge type-${column.type}`}>{column.type}</span>
      </header>
      <dl className="stats">
        <Stat label="missing" value={`${formatInt(column.missing)} (${formatPercent(column.missing, column.count)})`} />
        <Stat label="distinct" value={`${column.distinctApprox ? '≈' : ''}${formatInt(column.distinct)}`} />
        {column.min !== undefined && <Stat label="min" value={formatNumber(column.min, { plain: isIdLike(column.name) })} />}
        {column.max !== undefined && <Stat label="max" value={formatNumber(column.max, { plain: isIdLike(column.name) })} />}
        {column.mean !== undefined && <Stat label="mean" value={formatNumber(column.mean)} />}
        {column.std !== undefined && <Stat label="std" value={formatNumber(column.std)} />}
      </dl>
      {column.quantiles && <Quantiles quantiles={column.quantiles} />}
      {column.histogram && column.histogram.length > 0 ? <Histogram column={column} /> : <TopValues column={column} />}
    </article>
  );
}

function TableProfileView({ profile }: { profile: TableProfile }) {
  return (
    <>
      <div className="muted small pad-b">
        {formatInt(profile.rows)} rows · {profile.columns.length} columns
      </div>
      <div className="cards">
        {profile.columns.map((c, i) => (
          <ColumnCard key={i} column={c} />
        ))}
      </div>
    </>
  );
}

function ImageProfileView({ profile }: { profile: ImageProfile }) {
  const classes = profile.classes.map((c) => ({ name: c.name, count: c.count }));
  return (
    <div className="cards">
      <article className="card card-wide" data-testid="profile-classes">
        <header className="card-head">
          <span className="card-title">Images per class</span>
          <span className="muted small">
            {formatInt(profile.count)} images · {profile.classes.length} classes
          </span>
        </header>
        <div className="chart">
          <ResponsiveContainer width="100%" height={Math.max(120, Math.min(28 * classes.length, 360))}>
            <BarChart data={classes} layout="vertical" margin={{ top: 4, right: 12, bottom: 4, left: 4 }}>
              <XAxis type="number" tick={{ fontSize: 10 }} axisLine={false} tickLine={false} />
              <YAxis type="category" dataKey="name" width={120} tick={{ fontSize: 11 }} axisLine={false} tickLine={false} />
              <Tooltip cursor={{ fill: 'var(--hover)' }} contentStyle={TOOLTIP_STYLE} isAnimationActive={false} />
              <Bar dataKey="count" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </div>
      </article>
      <article className="card">
        <header className="card-head">
          <span className="card-title">Sizes (px)</span>
        </header>
        <dl className="stats">
          <Stat label="width min" value={formatInt(profile.width.min)} />
          <Stat label="width mean" value={formatNumber(profile.width.mean)} />
          <Stat label="width max" value={formatInt(profile.width.max)} />
          <Stat label="height min" value={formatInt(profile.height.min)} />
          <Stat label="height mean" value={formatNumber(profile.height.mean)} />
          <Stat label="height max" value={formatInt(profile.height.max)} />
        </dl>
      </article>
      <article className="card">
        <header className="card-head">
          <span className="card-title">Formats and channels</span>
        </header>
        <dl className="stats">
          {profile.formats.map((f) => (
            <Stat key={f.format} label={f.format} value={formatInt(f.count)} />
          ))}
          {profile.channels.map((c) => (
            <Stat key={c.channels} label={`${c.channels} channel${c.channels === 1 ? '' : 's'}`} value={formatInt(c.count)} />
          ))}
        </dl>
      </article>
    </div>
  );
}

export function ProfileView({ version }: { version: DatasetVersion }) {
  const entry = useDatasetsStore((s) => s.profiles[version.id]);
  const loadProfile = useDatasetsStore((s) => s.loadProfile);
  useEffect(() => {
    void loadProfile(version);
  }, [version, loadProfile]);
  if (entry?.error) return <ErrorBox error={entry.error} />;
  if (!entry?.data) return <div className="muted pad">Profiling…</div>;
  return <div data-testid="profile-view">{entry.data.kind === 'images' ? <ImageProfileView profile={entry.data} /> : <TableProfileView profile={entry.data} />}</div>;
}
