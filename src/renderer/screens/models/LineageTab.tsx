import { useEffect, useState } from 'react';
import type { LineageNode, ModelVersion } from '../../../shared/registry';
import { ErrorBox } from '../../components/ErrorBox';
import { LineageGraph } from '../../components/lineage/LineageGraph';
import { useModelsStore } from '../../stores/modelsStore';
import { openDataset, openModel, openRun } from '../../navigation';

/** `penguins@v3` -> ['penguins', 3]. */
function splitRef(label: string): [string, number | undefined] | null {
  const m = /^(.+)@v?(\d+)$/.exec(label);
  return m ? [m[1], Number(m[2])] : null;
}

/** The reverse lineage of one dataset version: the runs, model versions and exports it fed. */
function DownstreamOf({ id, label, canOpen, open }: { id: string; label: string; canOpen: (n: LineageNode) => boolean; open: (n: LineageNode) => void }) {
  const state = useModelsStore((s) => s.downstream[id]);
  useEffect(() => {
    void useModelsStore.getState().loadDownstream(id);
  }, [id]);
  const versions = state?.data?.modelVersions ?? [];
  return (
    <div className="downstream" data-testid="lineage-downstream">
      <div className="small">
        <span className="strong">{label}</span> fed {versions.length === 0 ? 'no model version' : versions.length === 1 ? '1 model version' : `${versions.length} model versions`}
        {versions.length > 0 && ': '}
        {versions.map((m, i) => (
          <span key={m.id}>
            {i > 0 && ', '}
            <button type="button" className="link" onClick={() => openModel(m.model, m.number)}>
              {m.model}@{m.number}
            </button>
          </span>
        ))}
      </div>
      <ErrorBox error={state?.error ?? null} />
      {state?.data ? <LineageGraph graph={state.data} focus={`dataset_version:${id}`} canOpen={canOpen} onOpen={open} testId="downstream-graph" /> : !state?.error && <div className="muted small">Loading…</div>}
    </div>
  );
}

export function LineageTab({ version }: { version: ModelVersion }) {
  const [reverse, setReverse] = useState<string | null>(null);
  const state = useModelsStore((s) => s.lineage[version.id]);
  useEffect(() => {
    void useModelsStore.getState().loadLineage(version);
  }, [version]);
  const canOpen = (n: LineageNode) => n.kind === 'dataset_version' || n.kind === 'run' || (n.kind === 'model_version' && n.id !== version.id);
  const open = (n: LineageNode) => {
    if (n.kind === 'run') openRun(n.id);
    else if (n.kind === 'dataset_version') {
      const known = version.datasets.find((d) => d.id === n.id);
      const ref = known?.dataset ? ([known.dataset, known.number] as const) : splitRef(n.label);
      if (ref) openDataset(ref[0], ref[1]);
    } else if (n.kind === 'model_version') {
      const ref = splitRef(n.label);
      if (ref) openModel(ref[0], ref[1]);
    }
  };
  return (
    <div className="lineage-tab" data-testid="version-lineage">
      <p className="muted small">
        Where <span className="mono">{version.model}@{version.number}</span> came from and where it went: dataset versions → run → model version → exports. Click a dataset or a run to open it.
        From a terminal: <code>lathe models lineage {version.model}@{version.number}</code>
      </p>
      <ErrorBox error={state?.error ?? null} />
      {state?.data ? <LineageGraph graph={state.data} focus={`model_version:${version.id}`} canOpen={canOpen} onOpen={open} /> : !state?.error && <div className="muted pad">Loading lineage…</div>}
      {version.datasets.length > 0 && (
        <div className="row gap small">
          <span className="muted">The other way:</span>
          {version.datasets.map((d) => {
            const label = d.dataset ? `${d.dataset}${d.number !== undefined ? `@v${d.number}` : ''}` : d.id.slice(0, 12);
            return (
              <button
                key={d.id}
                type="button"
                className={reverse === d.id ? 'button small active-toggle' : 'button small'}
                aria-pressed={reverse === d.id}
                onClick={() => setReverse(reverse === d.id ? null : d.id)}
                data-testid="show-downstream"
              >
                What did {label} feed?
              </button>
            );
          })}
        </div>
      )}
      {reverse && (
        <DownstreamOf
          id={reverse}
          label={(() => {
            const d = version.datasets.find((x) => x.id === reverse);
            return d?.dataset ? `${d.dataset}${d.number !== undefined ? `@v${d.number}` : ''}` : reverse.slice(0, 12);
          })()}
          canOpen={(n) => n.kind === 'run' || n.kind === 'model_version'}
          open={open}
        />
      )}
    </div>
  );
}
