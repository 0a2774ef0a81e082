import type { DatasetSummary, DatasetVersion } from '../../shared/datasets';
import { formatInt } from '../format';
import { openDataset } from '../navigation';

/** A dataset version some run or model used: a link to it on the Datasets screen, or its id when its dataset is gone. */
export function DatasetVersionLink({ id, dataset, number, idChars = 12 }: { id: string; dataset?: string | null; number?: number; idChars?: number }) {
  if (!dataset) return <span className="mono small">{id.slice(0, idChars)}</span>;
  return (
    <button
      type="button"
      className="link dataset-link"
      onClick={(e) => {
        e.stopPropagation(); // inside a clickable row, the link is the target
        openDataset(dataset, number);
      }}
    >
      {dataset}
      {number !== undefined ? `@v${number}` : ''}
    </button>
  );
}

/** How a version reads in a picker: `v3 · 344 rows · clean`. */
export function versionLabel(v: DatasetVersion): string {
  return `v${v.number} · ${formatInt(v.rowCount)} ${v.format === 'images' ? 'images' : 'rows'}${v.tags.length ? ` · ${v.tags.join(', ')}` : ''}`;
}

export interface DatasetVersionPickerProps {
  datasets: DatasetSummary[] | null;
  dataset: string | null;
  versions: DatasetVersion[] | null;
  version: number | null;
  onDataset(name: string): void;
  onVersion(number: number): void;
  /** Test ids `<prefix>-dataset` and `<prefix>-version`. */
  testIdPrefix: string;
}

/** Two fields, dataset then version, for a form's row (New training, Evaluate). */
export function DatasetVersionPicker(props: DatasetVersionPickerProps) {
  return (
    <>
      <label className="field">
        <span>Dataset</span>
        <select className="input select" value={props.dataset ?? ''} onChange={(e) => props.onDataset(e.target.value)} data-testid={`${props.testIdPrefix}-dataset`}>
          {!props.dataset && <option value="">…</option>}
          {(props.datasets ?? []).map((d) => (
            <option key={d.name} value={d.name}>
              {d.name}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Version</span>
        <select className="input select" value={props.version ?? ''} onChange={(e) => props.onVersion(Number(e.target.value))} data-testid={`${props.testIdPrefix}-version`}>
          {(props.versions ?? []).map((v) => (
            <option key={v.number} value={v.number}>
              {versionLabel(v)}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}
