/** `champion v3` chips, alphabetically; a button each when `onOpen` is given. */
export function AliasChips({ aliases, onOpen }: { aliases: Record<string, number> | [string, number][]; onOpen?: (alias: string) => void }) {
  const entries = (Array.isArray(aliases) ? aliases : Object.entries(aliases)).slice().sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <span className="muted">—</span>;
  return (
    <span className="alias-chips">
      {entries.map(([alias, n]) =>
        onOpen ? (
          <button key={alias} type="button" className="alias-chip" onClick={() => onOpen(alias)} data-testid="alias-chip" data-alias={alias} title={`Move ${alias}`}>
            {alias} <span className="alias-at">v{n}</span>
          </button>
        ) : (
          <span key={alias} className="alias-chip" data-testid="alias-chip" data-alias={alias}>
            {alias} <span className="alias-at">v{n}</span>
          </span>
        ),
      )}
    </span>
  );
}
