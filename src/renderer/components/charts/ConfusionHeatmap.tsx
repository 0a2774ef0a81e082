import { memo } from 'react';
import { formatShare } from '../../format';
import { rowShares } from '../../stores/evaluationLogic';

/**
 * A confusion matrix as a heatmap table: rows are the actual classes, columns the predicted ones,
 * each cell's count as text and its colour the share of its row (so a rare class reads as clearly
 * as a common one). The diagonal (right answers) is outlined.
 */
export const ConfusionHeatmap = memo(function ConfusionHeatmap({ classes, confusion, testId }: { classes: string[]; confusion: number[][]; testId?: string }) {
  const shares = rowShares(confusion);
  return (
    <div className="heatmap-wrap" data-testid={testId ?? 'confusion-heatmap'}>
      <table className="heatmap" aria-label="Confusion matrix (rows: actual, columns: predicted)">
        <thead>
          <tr>
            <th className="heatmap-corner muted small">actual ↓ · predicted →</th>
            {classes.map((c) => (
              <th key={c} className="heatmap-col truncate" title={c}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {confusion.map((row, i) => (
            <tr key={classes[i] ?? i}>
              <th className="heatmap-row truncate" title={classes[i]}>
                {classes[i]}
              </th>
              {row.map((count, j) => {
                const share = shares[i][j];
                return (
                  <td
                    key={j}
                    className={i === j ? 'heatmap-cell diag' : 'heatmap-cell'}
                    style={{ background: `color-mix(in srgb, var(--heat) ${Math.round(share * 85)}%, transparent)` }}
                    title={`actual ${classes[i]}, predicted ${classes[j]}: ${count} (${formatShare(share)} of the row)`}
                    data-testid="heatmap-cell"
                  >
                    <span className={share > 0.55 ? 'heat-strong' : ''}>{count}</span>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
});
