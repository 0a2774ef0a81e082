import { useEffect } from 'react';
import { useAppStore } from '../../stores/appStore';
import { useDeployStore } from '../../stores/deployStore';
import { useModelsStore } from '../../stores/modelsStore';
import { BundlesPanel } from './BundlesPanel';
import { ExportHistory } from './ExportHistory';
import { ExportPanel } from './ExportPanel';

/** Deploy: export a model version (tfjs, onnx, serving, card), the export history, and registry bundles. */
export function DeployScreen() {
  const models = useModelsStore((s) => s.list);
  useEffect(() => {
    void useModelsStore.getState().loadList();
    void useDeployStore.getState().loadHistory();
  }, []);
  const none = models.data && models.data.length === 0;
  return (
    <section className="screen deploy-screen" data-testid="deploy-screen">
      <div className="screen-head">
        <h1>Deploy</h1>
        <span className="muted">Take a registered model version off this workstation</span>
      </div>
      {none && (
        <div className="empty" data-testid="deploy-empty">
          <div className="empty-title">Nothing to export yet</div>
          <p>
            Exports start from a registered model version. Register one under{' '}
            <button type="button" className="link" onClick={() => useAppStore.getState().go('models')} data-testid="deploy-go-models">
              Models
            </button>{' '}
            (or <code>lathe models register &lt;run&gt; --name &lt;model&gt;</code>),
            then come back to export it as TF.js, ONNX, a serving folder or its model card. A registry bundle from another workstation can be imported below.
          </p>
        </div>
      )}
      {!none && (
        <div className="deploy-grid">
          <ExportPanel />
          <ExportHistory />
        </div>
      )}
      <BundlesPanel />
    </section>
  );
}
