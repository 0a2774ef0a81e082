import { useEffect, useState } from 'react';
import { CARD_FIELDS, type CardField, type CardText, type ModelVersion } from '../../../shared/registry';
import { ErrorBox } from '../../components/ErrorBox';
import { useAction } from '../../components/useAction';
import { useModelsStore } from '../../stores/modelsStore';
import { downloadName } from '../../stores/modelsView';
import { useToastStore } from '../../stores/toastStore';
import { Markdown } from '../experiments/Markdown';
import { download } from '../../components/download';

const FIELD_INFO: Record<CardField, { label: string; placeholder: string }> = {
  intendedUse: { label: 'Intended use', placeholder: 'Who should use this model, for what, and what not.' },
  limitations: { label: 'Limitations', placeholder: 'Known failure modes; data it was not trained on.' },
  ethicalConsiderations: { label: 'Ethical considerations', placeholder: 'Who could be harmed; fairness checks done.' },
  notes: { label: 'Notes', placeholder: 'Anything else a reader should know.' },
};


function CardEditor({ version, text }: { version: ModelVersion; text: CardText }) {
  const saveCard = useModelsStore((s) => s.saveCard);
  const [draft, setDraft] = useState<CardText>(text);
  const [description, setDescription] = useState(version.description);
  const dirty = CARD_FIELDS.some((f) => (draft[f] ?? '') !== (text[f] ?? '')) || description !== version.description;
  const { run: save, busy, error } = useAction(async () => {
    await saveCard(version, Object.fromEntries(CARD_FIELDS.map((f) => [f, draft[f] ?? ''])) as CardText, description !== version.description ? description : undefined);
    useToastStore.getState().push({ kind: 'success', message: `Saved the card of ${version.model}@${version.number}` });
  });
  return (
    <form
      className="form card card-editor"
      data-testid="card-editor"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <div className="card-head">
        <span className="card-title">Your text</span>
        <span className="muted small">the rest of the card is generated</span>
      </div>
      <label className="field">
        <span>Description</span>
        <textarea className="input" rows={2} value={description} onChange={(e) => setDescription(e.target.value)} data-testid="card-description" maxLength={10_000} />
      </label>
      {CARD_FIELDS.map((f) => (
        <label key={f} className="field">
          <span>{FIELD_INFO[f].label}</span>
          <textarea
            className="input"
            rows={3}
            value={draft[f] ?? ''}
            placeholder={FIELD_INFO[f].placeholder}
            onChange={(e) => setDraft((d) => ({ ...d, [f]: e.target.value }))}
            data-testid={`card-field-${f}`}
            maxLength={50_000}
          />
        </label>
      ))}
      <ErrorBox error={error} />
      <div className="row gap">
        <button type="submit" className="button primary" disabled={!dirty || busy} data-testid="card-save">
          {busy ? 'Saving…' : 'Save'}
        </button>
        {dirty && (
          <button
            type="button"
            className="button ghost"
            onClick={() => {
              setDraft(text);
              setDescription(version.description);
            }}
          >
            Discard changes
          </button>
        )}
      </div>
    </form>
  );
}

export function CardTab({ version }: { version: ModelVersion }) {
  const state = useModelsStore((s) => s.cards[version.id]);
  useEffect(() => {
    void useModelsStore.getState().loadCard(version);
  }, [version]);
  const card = state?.data ?? null;
  return (
    <div className="card-tab" data-testid="version-card">
      <div className="card model-card-view">
        <div className="card-head">
          <span className="card-title">Model card</span>
          <span className="row gap">
            <button type="button" className="button small" disabled={!card} onClick={() => card && download(downloadName(version, 'card.md'), card.markdown, 'text/markdown')} data-testid="card-download-md">
              Download Markdown
            </button>
            <button type="button" className="button small" disabled={!card} onClick={() => card && download(downloadName(version, 'card.html'), card.html, 'text/html')} data-testid="card-download-html">
              Download HTML
            </button>
          </span>
        </div>
        <ErrorBox error={state?.error ?? null} />
        {card ? (
          <div className="model-card-body" data-testid="card-markdown">
            <Markdown source={card.markdown} />
          </div>
        ) : (
          !state?.error && <div className="muted pad">Generating the card…</div>
        )}
      </div>
      {/* Keyed by version: a new version resets the form; a reload of the same card (after a save, an event) keeps edits. */}
      {card && <CardEditor key={version.id} version={version} text={card.text} />}
    </div>
  );
}
