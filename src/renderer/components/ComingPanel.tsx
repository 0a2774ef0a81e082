import { SCREEN_INFO, type Screen } from '../stores/appStore';

/** A calm placeholder for a screen whose issue has not come yet: what it will do. */
export function ComingPanel({ screen }: { screen: Screen }) {
  const info = SCREEN_INFO[screen];
  return (
    <section className="screen" data-testid={`coming-${screen}`}>
      <div className="screen-head">
        <h1>{info.title}</h1>
      </div>
      <div className="empty">
        <div className="empty-title">Coming to Lathe</div>
        <p>
          <strong>{info.title}:</strong> {info.coming}
        </p>
        <p className="muted">Meanwhile, version your data under Datasets: every later step starts from a dataset version.</p>
      </div>
    </section>
  );
}
