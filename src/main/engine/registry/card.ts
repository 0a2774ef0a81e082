import type { DatasetProfile } from '../../../shared/datasets';
import type { CardText, LineageGraph, ModelVersion } from '../../../shared/registry';
import type { Run } from '../../../shared/tracking';
import type { ModelSignature, Preprocessing } from '../../../shared/training';
import type { LayerSpec } from './artifact';

/**
 * The model card: one structure rendered twice, as Markdown and as a self-contained HTML page.
 * Generated sections (data, training, evaluation, lineage) come from the registry; the free-text
 * fields (intended use, limitations, ethical considerations, notes) are edited by people.
 */

type Block =
  | { p: string }
  | { list: string[] }
  | { table: string[][] }
  | { code: string };
interface Section {
  title: string;
  blocks: Block[];
}

export interface CardInput {
  version: ModelVersion;
  run: Run | null;
  datasets: { id: string; label: string; rows?: number; profile?: DatasetProfile }[];
  layers: LayerSpec[];
  description: { preprocessing: Preprocessing; signature: ModelSignature } | null;
  evaluation: { label: string; metrics: Record<string, unknown>; business?: Record<string, unknown>; intervals?: Record<string, { lo: number | null; hi: number | null }>; trainingRows?: number | null } | null;
  lineage: LineageGraph;
  text: CardText;
}

const fmt = (v: unknown): string => {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toPrecision(4);
  if (v === null || v === undefined) return '-';
  return typeof v === 'string' ? v : JSON.stringify(v);
};
const placeholder = (s: string | undefined, what: string) => (s && s.trim() ? s.trim() : `_Not written yet: ${what} (edit with \`models.updateCard\`)._`);

export function buildCard(c: CardInput): { markdown: string; html: string } {
  const v = c.version;
  const sections: Section[] = [];
  const title = `Model card: ${v.model} v${v.number}`;
  sections.push({
    title: 'Overview',
    blocks: [
      ...(v.description ? [{ p: v.description }] : []),
      {
        table: [
          ['Field', 'Value'],
          ['Model', `${v.model}@${v.number}`],
          ['Version id', v.id],
          ['Aliases', v.aliases.join(', ') || '-'],
          ['Registered', `${new Date(v.createdAt).toISOString()} by ${v.createdBy}`],
          ['Task', c.description ? `${c.description.signature.task} of ${c.description.signature.target}${c.description.signature.labels ? ` (${c.description.signature.labels.join(', ')})` : ''}` : '-'],
          ['Template', c.description?.signature.template ?? '-'],
          ['Backend', v.backend ?? '-'],
          ['Lathe version', v.appVersion],
        ],
      },
    ],
  });
  sections.push({ title: 'Intended use', blocks: [{ p: placeholder(c.text.intendedUse, 'who should use this model, for what, and what not') }] });

  const data: Block[] = [];
  if (c.datasets.length === 0) data.push({ p: 'No dataset version is recorded for the run that trained this model.' });
  for (const d of c.datasets) {
    data.push({ p: `**${d.label}** (\`${d.id.slice(0, 12)}\`)${d.rows !== undefined ? `, ${d.rows} rows` : ''}` });
    const prof = d.profile;
    if (prof?.kind === 'table') {
      data.push({
        table: [
          ['Column', 'Type', 'Missing', 'Distinct', 'Mean', 'Std', 'Min', 'Max'],
          ...prof.columns.map((col) => [col.name, col.type, fmt(col.missing), fmt(col.distinct), fmt(col.mean), fmt(col.std), fmt(col.min), fmt(col.max)]),
        ],
      });
    } else if (prof?.kind === 'images') {
      data.push({ list: [`${prof.count} images`, `classes: ${prof.classes.map((k) => `${k.name} (${k.count})`).join(', ')}`] });
    }
  }
  const pre = c.description?.preprocessing;
  if (pre?.kind === 'table') {
    data.push({ p: 'Input fields and preprocessing (learned on the training split):' });
    data.push({
      table: [
        ['Field', 'Type', 'Preprocessing'],
        ...pre.features.map((f) =>
          f.kind === 'numeric'
            ? [f.column, f.type, `missing -> ${fmt(f.impute)}; (x - ${fmt(f.mean)}) / ${fmt(f.std)}`]
            : [f.column, f.type, `${f.encoding} over ${f.vocab.length} values (${f.vocab.slice(0, 8).join(', ')}${f.vocab.length > 8 ? ', ...' : ''}); missing -> ${f.impute ?? 'unknown'}`],
        ),
      ],
    });
  } else if (pre?.kind === 'image') {
    data.push({ p: `Images resized to ${pre.width} x ${pre.height}, ${pre.channels} channel(s), pixels x ${fmt(pre.scale)}.` });
  }
  sections.push({ title: 'Data', blocks: data });

  const training: Block[] = [];
  if (c.run) training.push({ p: `Run **${c.run.name}** (\`${c.run.id}\`), experiment ${c.run.experimentName}, ${c.run.status}, ${Math.round(c.run.duration / 1000)} s.` });
  const params = Object.entries(v.params);
  if (params.length) training.push({ table: [['Param', 'Value'], ...params.map(([k, x]) => [k, x])] });
  if (c.layers.length) training.push({ p: 'Architecture:' }, { list: c.layers.map((l) => `${l.className} ${l.name}${l.config.units !== undefined ? ` (${String(l.config.units)} units${l.config.activation ? `, ${String(l.config.activation)}` : ''})` : ''}`) });
  sections.push({ title: 'Training setup', blocks: training.length ? training : [{ p: 'No training facts recorded.' }] });

  const evaluation: Block[] = [];
  const metrics = Object.entries(v.metrics);
  if (metrics.length) evaluation.push({ p: 'Metrics logged by the training run:' }, { table: [['Metric', 'Last value'], ...metrics.map(([k, x]) => [k, fmt(x)])] });
  if (c.evaluation) {
    evaluation.push({ p: `Latest evaluation: ${c.evaluation.label}` });
    if (c.evaluation.trainingRows !== undefined && c.evaluation.trainingRows !== 0) evaluation.push({ p: `**Warning: ${c.evaluation.trainingRows ? `includes ${c.evaluation.trainingRows} training rows` : 'may include training rows'}**: these numbers are optimistic.` });
    const iv = c.evaluation.intervals;
    const ci = (k: string) => (iv?.[k] && iv[k].lo !== null && iv[k].hi !== null ? `${fmt(iv[k].lo)} to ${fmt(iv[k].hi)}` : '');
    evaluation.push({ table: [['Metric', 'Value', ...(iv ? ['95% CI'] : [])], ...Object.entries(c.evaluation.metrics).map(([k, x]) => [k, fmt(x), ...(iv ? [ci(k)] : [])])] });
    if (c.evaluation.business && Object.keys(c.evaluation.business).length) {
      evaluation.push({ p: 'Business metric:' }, { table: [['Measure', 'Value'], ...Object.entries(c.evaluation.business).map(([k, x]) => [k, fmt(x)])] });
    }
  } else evaluation.push({ p: 'No evaluation report for this version yet.' });
  sections.push({ title: 'Evaluation', blocks: evaluation });

  sections.push({ title: 'Limitations', blocks: [{ p: placeholder(c.text.limitations, 'known failure modes, data it was not trained on') }] });
  sections.push({ title: 'Ethical considerations', blocks: [{ p: placeholder(c.text.ethicalConsiderations, 'who could be harmed, fairness checks done') }] });

  const label = new Map(c.lineage.nodes.map((n) => [n.key, `${n.kind} ${n.label}`]));
  sections.push({
    title: 'Lineage',
    blocks: c.lineage.edges.length
      ? [{ list: c.lineage.edges.map((e) => `${label.get(e.from) ?? e.from} -> ${label.get(e.to) ?? e.to} (${e.relation})`) }]
      : [{ p: 'No lineage recorded.' }],
  });
  if (c.text.notes?.trim()) sections.push({ title: 'Notes', blocks: [{ p: c.text.notes.trim() }] });
  return { markdown: toMarkdown(title, sections), html: toHtml(title, sections) };
}

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function toMarkdown(title: string, sections: Section[]): string {
  const out = [`# ${title}`, ''];
  for (const s of sections) {
    out.push(`## ${s.title}`, '');
    for (const b of s.blocks) {
      if ('p' in b) out.push(b.p, '');
      else if ('list' in b) out.push(...b.list.map((x) => `- ${x}`), '');
      else if ('code' in b) out.push('```', b.code, '```', '');
      else {
        const [head, ...rows] = b.table;
        out.push(`| ${head.map(mdCell).join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`), '');
      }
    }
  }
  return out.join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
/** Inline Markdown the card itself writes (bold, code, emphasis) — applied after escaping. */
const inline = (s: string) =>
  esc(s)
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/(^|\s)_([^_]+)_(?=\s|$|\.)/g, '$1<em>$2</em>');

function toHtml(title: string, sections: Section[]): string {
  const body: string[] = [`<h1>${esc(title)}</h1>`];
  for (const s of sections) {
    body.push(`<h2>${esc(s.title)}</h2>`);
    for (const b of s.blocks) {
      if ('p' in b) body.push(`<p>${b.p.split(/\n{2,}/).map(inline).join('</p><p>')}</p>`);
      else if ('list' in b) body.push(`<ul>${b.list.map((x) => `<li>${inline(x)}</li>`).join('')}</ul>`);
      else if ('code' in b) body.push(`<pre><code>${esc(b.code)}</code></pre>`);
      else {
        const [head, ...rows] = b.table;
        body.push(`<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((x) => `<td>${esc(x)}</td>`).join('')}</tr>`).join('')}</tbody></table>`);
      }
    }
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(title)}</title>
<style>body{font:14px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}code{background:#f3f3f3;padding:0 .2rem}</style>
</head><body>
${body.join('\n')}
</body></html>
`;
}
