import { useMemo, useRef, useState } from 'react';
import { useRunsStore } from '../../stores/runsStore';
import { applyCompletion, complete, type Completion } from '../../stores/runsTable';

/** Values of a param or tag among the loaded runs, for completion (read when asked, not subscribed). */
function valuesFor(kind: 'param' | 'tag', key: string): string[] {
  const s = useRunsStore.getState();
  const seen = new Set<string>();
  for (const { item } of s.pager?.loaded() ?? []) {
    const v = kind === 'param' ? item.params[key] : item.tags[key];
    if (v !== undefined) seen.add(v);
    if (seen.size >= 50) break;
  }
  return [...seen].sort();
}

/**
 * The filter box: the run query language, parsed as you type (the parser's error shown in place,
 * with a caret under the column it names), keys and values suggested at the caret.
 */
export function QueryBox() {
  const query = useRunsStore((s) => s.query);
  const problem = useRunsStore((s) => s.problem);
  const keys = useRunsStore((s) => s.keys);
  const setQuery = useRunsStore((s) => s.setQuery);
  const applyNow = useRunsStore((s) => s.applyNow);
  const input = useRef<HTMLInputElement>(null);
  const [caret, setCaret] = useState(0);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);

  const completion: Completion | null = useMemo(() => (open ? complete(query, caret, keys, valuesFor) : null), [open, query, caret, keys]);

  const accept = (i: number) => {
    if (!completion) return;
    const next = applyCompletion(query, completion, completion.items[i]);
    setQuery(next.text);
    setCaret(next.caret);
    setActive(0);
    requestAnimationFrame(() => {
      input.current?.focus();
      input.current?.setSelectionRange(next.caret, next.caret);
    });
  };

  return (
    <div className="query-box">
      <div className="query-input-wrap">
        <input
          ref={input}
          className="input mono"
          value={query}
          placeholder='Filter: metrics.val_acc > 0.9 and params.optimizer = "adam"   (Ctrl+Space for keys)'
          spellCheck={false}
          aria-label="Filter runs (query language)"
          aria-invalid={problem ? true : undefined}
          aria-autocomplete="list"
          data-testid="runs-query"
          onChange={(e) => {
            setQuery(e.target.value);
            setCaret(e.target.selectionStart ?? e.target.value.length);
            setOpen(true);
            setActive(0);
          }}
          onSelect={(e) => setCaret((e.target as HTMLInputElement).selectionStart ?? 0)}
          onFocus={() => setOpen(true)}
          onBlur={() => setTimeout(() => setOpen(false), 120)}
          onKeyDown={(e) => {
            const n = completion?.items.length ?? 0;
            if (e.key === ' ' && e.ctrlKey) {
              e.preventDefault();
              setOpen(true);
            } else if (e.key === 'ArrowDown' && n) {
              e.preventDefault();
              setActive((active + 1) % n);
            } else if (e.key === 'ArrowUp' && n) {
              e.preventDefault();
              setActive((active - 1 + n) % n);
            } else if ((e.key === 'Tab' || (e.key === 'Enter' && open)) && n) {
              e.preventDefault();
              accept(Math.min(active, n - 1));
            } else if (e.key === 'Enter') {
              applyNow();
            } else if (e.key === 'Escape') {
              setOpen(false);
            }
          }}
        />
        {completion && completion.items.length > 0 && (
          <ul className="suggest" role="listbox" data-testid="query-suggestions">
            {completion.items.map((s, i) => (
              <li
                key={s.insert}
                role="option"
                aria-selected={i === active}
                className={i === active ? 'active' : ''}
                onMouseDown={(e) => {
                  e.preventDefault();
                  accept(i);
                }}
              >
                <span className="mono">{s.label}</span>
                <span className="muted small">{s.detail}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      {problem && (
        <div className="query-error" role="alert" data-testid="query-error">
          {problem.column !== null && (
            <pre className="query-caret mono" aria-hidden>
              {' '.repeat(Math.max(0, problem.column - 1)) + '^'}
            </pre>
          )}
          <div>
            {problem.column !== null && <strong>Column {problem.column}: </strong>}
            {problem.message}
          </div>
        </div>
      )}
    </div>
  );
}
