import { useState } from 'react';
import type { ExportRecord } from '../../../shared/registry';
import { ErrorBox } from '../../components/ErrorBox';
import { formatBytes } from '../../format';
import { useDeployStore } from '../../stores/deployStore';
import { formatTime } from '../../stores/runsTable';
import { shortTime } from '../../stores/modelsView';
import { ExportResultView } from './ExportPanel';
import { ClickableRow } from '../../components/ClickableRow';

export function ExportHistory() {
  const history = useDeployStore((s) => s.history);
  const [open, setOpen] = useState<string | null>(null);
  const rows = history.data ?? [];
  const chosen: ExportRecord | undefined = rows.find((r) => r.id === open);
  return (
    <div className="card deploy-history" data-testid="export-history">
      <div className="card-head">
        <h2>Export history</h2>
        <span className="muted small">{history.data ? `${rows.length} export${rows.length === 1 ? '' : 's'}` : ''}</span>
      </div>
      <ErrorBox error={history.error} />
      {history.data && rows.length === 0 && <p className="muted small">No exports yet. Each export is recorded here and in the version’s lineage, with the hash of its files.</p>}
      {rows.length > 0 && (
        <div className="table-wrap history-wrap">
          <table className="table compact" data-testid="export-history-table">
            <thead>
              <tr>
                <th>When</th>
                <th>Model</th>
                <th>Format</th>
                <th>Folder</th>
                <th className="num">Size</th>
                <th>Hash</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <ClickableRow key={r.id} selected={r.id === open} onOpen={() => setOpen(r.id === open ? null : r.id)} data-testid="export-history-row" data-format={r.format}>
                  <td className="muted nowrap" title={`${formatTime(r.createdAt)} by ${r.createdBy}`}>
                    {shortTime(r.createdAt)}
                  </td>
                  <td className="mono nowrap">
                    {r.model}@{r.number}
                  </td>
                  <td className="nowrap">{r.format}</td>
                  <td className="mono truncate message" title={r.outDir}>
                    {r.outDir}
                  </td>
                  <td className="num" title={`${r.files.length} files`}>
                    {formatBytes(r.bytes)}
                  </td>
                  <td className="mono muted" title={r.contentHash}>
                    {r.contentHash.slice(0, 8)}
                  </td>
                </ClickableRow>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {chosen && <ExportResultView r={chosen} />}
    </div>
  );
}
