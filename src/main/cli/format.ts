import type { DoctorReport, GcResult } from '../../shared/contract';
import type { AddResult, DatasetDiff, DatasetProfile, DatasetSummary, DatasetVersion } from '../../shared/datasets';

/** Human-readable output for the terminal. `--json` bypasses all of this. */

export function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]))).join('  ')).join('\n');
}

/** The first 12 characters of an id or hash: enough to tell them apart in a table. */
export const short = (id: string) => id.slice(0, 12);

/** An instant as `YYYY-MM-DD HH:MM:SS` (UTC), from epoch milliseconds or an ISO string; '-' when unknown. */
export function when(t: number | string | null | undefined): string {
  if (t === null || t === undefined) return '-';
  return (typeof t === 'number' ? new Date(t).toISOString() : t).replace('T', ' ').slice(0, 19);
}

/** A length of time, short: 850ms, 42s, 3m07s, 2h05m. */
export function duration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatDatasetList(list: DatasetSummary[]): string {
  if (list.length === 0) return 'No datasets yet. Add one: lathe data add <name> <path>';
  return table([
    ['NAME', 'VERSIONS', 'LATEST', 'ROWS', 'SIZE', 'UPDATED'],
    ...list.map((d) => [
      d.name,
      String(d.versionCount),
      d.latest ? `v${d.latest.number} ${short(d.latest.id)}` : '-',
      d.latest ? String(d.latest.rowCount) : '-',
      d.latest ? bytes(d.latest.size) : '-',
      d.latest ? when(d.latest.createdAt) : '-',
    ]),
  ]);
}

export function formatVersions(versions: DatasetVersion[]): string {
  return table([
    ['VERSION', 'ID', 'CREATED', 'ROWS', 'SIZE', 'STORED', 'TAGS', 'MESSAGE'],
    ...versions.map((v) => [
      `v${v.number}`,
      short(v.id),
      when(v.createdAt),
      String(v.rowCount),
      bytes(v.size),
      bytes(v.storedBytes),
      v.tags.join(',') || '-',
      v.message,
    ]),
  ]);
}

export function formatAdd(r: AddResult): string {
  const v = r.version;
  const head = r.created ? `Added ${v.dataset}@v${v.number} (${short(v.id)})` : `No new version`;
  const warnings = (r.warnings ?? []).map((w) => `\n  warning: ${w}`).join('');
  return `${head}: ${r.note}\n  ${v.rowCount} rows, ${v.columnCount} columns, ${bytes(v.size)} (${bytes(v.storedBytes)} new in the store)${warnings}`;
}

export function formatShow(s: { version: DatasetVersion; profile: DatasetProfile }): string {
  const v = s.version;
  const lines = [
    `${v.dataset}@v${v.number}  ${v.id}`,
    `  created  ${when(v.createdAt)}   format ${v.format}   ${bytes(v.size)} in ${v.fileCount} file(s)`,
    `  parent   ${v.parentId ? short(v.parentId) : '-'}   tags ${v.tags.join(', ') || '-'}`,
    `  source   ${v.sourcePath}`,
    `  message  ${v.message || '-'}`,
    '',
  ];
  const p = s.profile;
  if (p.kind === 'table') {
    lines.push(`${p.rows} rows`);
    lines.push(
      table([
        ['COLUMN', 'TYPE', 'MISSING', 'DISTINCT', 'MIN', 'MAX', 'MEAN', 'TOP'],
        ...p.columns.map((c) => [
          c.name,
          c.type,
          String(c.missing),
          `${c.distinctApprox ? '~' : ''}${c.distinct}`,
          c.min === undefined ? '' : fmt(c.min),
          c.max === undefined ? '' : fmt(c.max),
          c.mean === undefined ? '' : fmt(c.mean),
          (c.top ?? []).slice(0, 3).map((t) => `${t.value}(${t.count})`).join(' '),
        ]),
      ]),
    );
    const withQuantiles = p.columns.filter((c) => c.quantiles);
    if (withQuantiles.length > 0) {
      lines.push('', 'quantiles (approximate: KLL sketch, within ~1.5% of rank)');
      const names = ['p01', 'p05', 'p25', 'p50', 'p75', 'p95', 'p99'] as const;
      lines.push(table([['COLUMN', ...names.map((n) => n.toUpperCase())], ...withQuantiles.map((c) => [c.name, ...names.map((n) => fmt(c.quantiles?.[n] ?? ''))])]));
    }
  } else {
    lines.push(`${p.count} images; ${p.width.min}-${p.width.max} x ${p.height.min}-${p.height.max} px`);
    lines.push(table([['CLASS', 'IMAGES'], ...p.classes.map((c) => [c.name, String(c.count)])]));
    lines.push(`formats: ${p.formats.map((f) => `${f.format} ${f.count}`).join(', ')}`);
  }
  return lines.join('\n');
}

function fmt(v: number | string): string {
  return typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(5)) : v;
}

export function formatDiff(d: DatasetDiff): string {
  const lines = [`${d.from.dataset}@v${d.from.number} -> ${d.to.dataset}@v${d.to.number}${d.key ? ` (key: ${d.key})` : ''}`];
  if (d.schema.length) {
    lines.push('schema:');
    for (const s of d.schema) lines.push(`  ${s.change.padEnd(12)} ${s.column}${s.from ? ` ${s.from} -> ${s.to}` : ''}`);
  } else lines.push('schema: unchanged');
  if (d.files) {
    lines.push(`files: +${d.files.added.length} -${d.files.removed.length} ~${d.files.modified.length} =${d.files.unchanged}`);
  } else {
    lines.push(`rows: +${d.rows.added} -${d.rows.removed} ~${d.rows.modified} =${d.rows.unchanged}${d.matching?.by === 'content' ? ' (modified rows paired by content)' : ''}`);
    if (d.matching?.note) lines.push(`  ${d.matching.note}`);
  }
  const shifted = d.columns.filter((c) => !c.presence && ((c.psi ?? 0) > 0.1 || c.missingFrom !== c.missingTo));
  if (shifted.length) {
    lines.push('column shifts:');
    for (const c of shifted) {
      lines.push(`  ${c.column}: missing ${c.missingFrom}->${c.missingTo}${c.meanFrom !== undefined ? `, mean ${fmt(c.meanFrom)}->${fmt(c.meanTo ?? NaN)}` : ''}${c.psi !== undefined ? `, PSI ${c.psi.toFixed(3)}` : ''}`);
    }
  }
  return lines.join('\n');
}

export function formatGc(r: GcResult): string {
  return `Freed ${bytes(r.bytesFreed)}: ${r.blobsRemoved} objects, ${r.chunksRemoved} chunks, ${r.packsRewritten} packs rewritten, ${r.tempFilesRemoved} temp files removed`;
}

export function formatDoctor(r: DoctorReport): string {
  const lines = [
    `database integrity: ${r.integrity}`,
    `foreign key problems: ${r.foreignKeys}`,
    `objects: ${r.chunksChecked} chunks re-hashed (${bytes(r.bytesChecked)})`,
    `temp files cleaned at start: ${r.tempFilesRemoved}`,
  ];
  if (r.meaning) {
    const m = r.meaning;
    lines.push(`meaning: ${m.datasetVersions} dataset versions (ids re-derived, profiles and row indexes read), ${m.modelVersions} model versions, ${m.experiments} experiments, ${m.runs} runs, ${m.files} files checked`);
  }
  for (const p of r.problems) lines.push(`PROBLEM ${p.object}: ${p.problem}`);
  if (r.unrecordedPacks?.length) {
    lines.push(`unrecorded pack files: ${r.unrecordedPacks.length} (${bytes(r.unrecordedBytes)}), left by an interrupted import; \`${r.freeCommand}\` frees them`);
    for (const p of r.unrecordedPacks.slice(0, 20)) lines.push(`  ${p.file} ${bytes(p.bytes)}`);
  }
  lines.push(r.ok ? 'clean' : `${r.problems.length} problem(s) found`);
  return lines.join('\n');
}
