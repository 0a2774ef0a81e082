import { useEffect } from 'react';
import type { LineageNode, ModelVersion } from '../../../shared/registry';
import { ErrorBox } from '../../components/ErrorBox';
import { LineageGraph } from '../../components/lineage/LineageGraph';
import { useModelsStore } from '../../stores/modelsStore';
import { openDataset, openModel, openRun } from './navigate';

/** `penguins@v3` -> ['penguins', 3]. */
function splitRef(label: string): [string, number | undefined] | null {
  const m = /^(.+)@v?(\d+)$/.exec(label);
  return m ? [m[1], Number(m[2])] : null;
}

export function LineageTab({ version }: { version: ModelVersion }) {
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
    </div>
  );
}
