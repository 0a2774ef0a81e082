import { useMemo, useState } from 'react';
import { aliasSchema } from '../../../shared/registry';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Dialog } from '../../components/Dialog';
import { ErrorBox } from '../../components/ErrorBox';
import { DialogForm, FormFooter } from '../../components/FormFooter';
import { useAction } from '../../components/useAction';
import { aliasesOf, useModelsStore } from '../../stores/modelsStore';
import { describeMove } from '../../stores/modelsView';
import { useToastStore } from '../../stores/toastStore';
import { signatureChange, type SignatureChange } from './signatureChange';

/** What callers of the alias must change: shown before the move is confirmed. */
function SignatureWarning({ alias, from, to, change }: { alias: string; from: number; to: number; change: SignatureChange }) {
  const cols = (cs: { name: string; type: string }[]) => cs.map((c) => `${c.name} (${c.type})`).join(', ');
  return (
    <div className="card notes warning small" role="status" data-testid="alias-signature-warning">
      <div className="strong">
        v{to} takes other inputs than v{from}: callers of {alias} must change what they send.
      </div>
      <ul>
        {change.other && <li>It {change.other}.</li>}
        {change.added.length > 0 && <li data-testid="sig-added">Added: {cols(change.added)}</li>}
        {change.removed.length > 0 && <li data-testid="sig-removed">Removed: {cols(change.removed)}</li>}
        {change.retyped.length > 0 && <li data-testid="sig-retyped">Retyped: {change.retyped.map((r) => `${r.name} (${r.from} → ${r.to})`).join(', ')}</li>}
      </ul>
    </div>
  );
}

const COMMON = ['champion', 'challenger', 'staging', 'production'];

/** Point an alias at a version (or take it off), with the reason recorded in the alias history. */
export function AliasDialog({ model, initialAlias }: { model: string; initialAlias: string }) {
  const versions = useModelsStore((s) => s.versions.data) ?? [];
  const selected = useModelsStore((s) => s.selected);
  const versionsData = useModelsStore((s) => s.versions.data);
  const aliases = useMemo(() => aliasesOf(versionsData), [versionsData]);
  const moveAlias = useModelsStore((s) => s.moveAlias);
  const removeAlias = useModelsStore((s) => s.removeAlias);
  const close = () => useModelsStore.getState().setAliasDialog(null);
  const [alias, setAlias] = useState(initialAlias || 'champion');
  const current = aliases.find(([a]) => a === alias)?.[1] ?? null;
  // Moving an existing alias defaults to the selected version when that is elsewhere.
  const [version, setVersion] = useState<number | null>(() => {
    const now = aliases.find(([a]) => a === (initialAlias || 'champion'))?.[1] ?? null;
    if (selected !== null && selected !== now) return selected;
    return versions.find((v) => v.number !== now)?.number ?? versions[0]?.number ?? null;
  });
  const [reason, setReason] = useState('');
  const sigChange = useMemo(() => {
    if (current === null || version === null || version === current) return null;
    const sigOf = (n: number) => versionsData?.find((v) => v.number === n)?.signature;
    return signatureChange(sigOf(current), sigOf(version));
  }, [versionsData, current, version]);
  const parsed = alias ? aliasSchema.safeParse(alias) : null;
  const issue = parsed && !parsed.success ? parsed.error.issues[0]?.message : null;
  const { run: submit, busy, error } = useAction(async () => {
    if (version === null) return;
    await moveAlias(model, alias, version, reason.trim());
    useToastStore.getState().push({ kind: 'success', message: `${describeMove({ alias, from: current, to: version })} (${model})` });
    close();
  });
  // Taking an alias off breaks every ref that follows it: asked first, the refusal shown in place.
  const [confirmRemove, setConfirmRemove] = useState(false);
  const remove = async () => {
    await removeAlias(model, alias, reason.trim());
    useToastStore.getState().push({ kind: 'success', message: `${describeMove({ alias, from: current, to: null })} (${model})` });
    close();
  };
  const suggestions = [...new Set([...aliases.map(([a]) => a), ...COMMON])];
  return (
    <Dialog
      title={`Move an alias of ${model}`}
      onClose={close}
      testId="alias-dialog"
      footer={
        <>
          {current !== null && (
            <button type="button" className="button danger-ghost" disabled={busy} onClick={() => setConfirmRemove(true)} data-testid="alias-remove">
              Remove {alias}
            </button>
          )}
          <div className="spacer" />
          <FormFooter formId="alias-form" onCancel={close} disabled={!alias || !!issue || version === null || version === current || busy} testId="alias-submit">
            {current === null ? 'Set alias' : sigChange ? 'Move alias anyway' : 'Move alias'}
          </FormFooter>
        </>
      }
    >
      <DialogForm id="alias-form" onSubmit={() => void submit()}>
        <label className="field">
          <span>Alias</span>
          <input className="input" list="alias-suggestions" value={alias} onChange={(e) => setAlias(e.target.value.trim())} data-testid="alias-name" aria-invalid={!!issue} autoFocus={!initialAlias} />
          <datalist id="alias-suggestions">
            {suggestions.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
          {issue ? (
            <small className="field-error">{issue}</small>
          ) : (
            <small className="muted">
              {current === null ? `${alias || 'This alias'} points at no version yet.` : `${alias} is on v${current} now.`} One version per alias; refs such as{' '}
              <code>
                {model}@{alias || 'champion'}
              </code>{' '}
              follow it.
            </small>
          )}
        </label>
        <label className="field">
          <span>Version</span>
          <select className="input select" value={version ?? ''} onChange={(e) => setVersion(Number(e.target.value))} data-testid="alias-version">
            {versions.map((v) => (
              <option key={v.id} value={v.number}>
                v{v.number}
                {v.aliases.length ? ` (${v.aliases.join(', ')})` : ''}
                {v.description ? ` — ${v.description.slice(0, 60)}` : ''}
              </option>
            ))}
          </select>
          {version !== null && version === current && <small className="muted">{alias} is already on this version.</small>}
        </label>
        {sigChange && current !== null && version !== null && <SignatureWarning alias={alias} from={current} to={version} change={sigChange} />}
        <label className="field">
          <span>Reason</span>
          <textarea className="input" rows={2} value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Why: beats v1 on the held-out data, approved by…" data-testid="alias-reason" maxLength={2000} autoFocus={!!initialAlias} />
          <small className="muted">Kept in the alias history with who and when.</small>
        </label>
      </DialogForm>
      <ErrorBox error={error} />
      {confirmRemove && current !== null && (
        <ConfirmDialog
          title={`Remove ${alias} from ${model}?`}
          confirmLabel={`Remove ${alias}`}
          inline
          onClose={() => setConfirmRemove(false)}
          onConfirm={remove}
          testId="alias-remove-confirm"
          confirmTestId="alias-remove-confirm-go"
        >
          <p>
            {alias} points at v{current} now. After this, refs such as{' '}
            <code>
              {model}@{alias}
            </code>{' '}
            resolve to nothing until the alias is set again. The alias history keeps the removal{reason.trim() ? ' and your reason' : ''}.
          </p>
        </ConfirmDialog>
      )}
    </Dialog>
  );
}
