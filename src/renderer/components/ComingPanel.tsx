import { SCREEN_INFO, type Screen } from '../stores/appStore';

/** `a \`cmd\` b` -> text with <code> spans (built as elements, never as markup). */
function TextWithCode({ text }: { text: string }) {
  return (
    <>
      {text.split('`').map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : <span key={i}>{part}</span>))}
    </>
  );
}

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
          <strong>{info.title}:</strong> <TextWithCode text={info.coming ?? ''} />
        </p>
        <p className="muted">Meanwhile, version your data under Datasets: every later step starts from a dataset version.</p>
      </div>
    </section>
  );
}
