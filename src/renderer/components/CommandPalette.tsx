import { useEffect, useMemo, useRef, useState } from 'react';
import { filterCommands, type Command } from '../commands';
import { useAppStore } from '../stores/appStore';
import { useDatasetsStore } from '../stores/datasetsStore';
import { transport } from '../transport';
import { Dialog } from './Dialog';
import { paletteCommands, type PaletteData } from './paletteCommands';

const EMPTY: PaletteData = { datasets: [], experiments: [], runs: [], models: [] };
/** Runs reachable by name: the newest this many (the runs table searches them all). */
const PALETTE_RUNS = 500;

/** Loads what the palette reaches by name; each part fills in when it arrives (a failure leaves it empty). */
function usePaletteData(): PaletteData {
  const datasets = useDatasetsStore((s) => s.list.data);
  const [data, setData] = useState<Omit<PaletteData, 'datasets'>>(EMPTY);
  useEffect(() => {
    let live = true;
    const t = transport();
    const put = (patch: Partial<PaletteData>) => live && setData((d) => ({ ...d, ...patch }));
    if (!useDatasetsStore.getState().list.data) void useDatasetsStore.getState().loadList();
    t.call('experiments.list', {}).then((experiments) => put({ experiments }), () => {});
    t.call('runs.search', { query: '', limit: PALETTE_RUNS }).then((page) => put({ runs: page.runs }), () => {});
    t.call('models.list', {}).then((models) => put({ models }), () => {});
    return () => {
      live = false;
    };
  }, []);
  return useMemo(() => ({ ...data, datasets: datasets ?? [] }), [data, datasets]);
}

export function CommandPalette() {
  const setOpen = useAppStore((s) => s.setPaletteOpen);
  const data = usePaletteData();
  const commands = useMemo(() => paletteCommands(data), [data]);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const inputRef = useRef<HTMLInputElement>(null);
  const shown = filterCommands(commands, query).slice(0, 60);
  const close = () => setOpen(false);

  useEffect(() => {
    inputRef.current?.focus();
  }, []);
  useEffect(() => setActive(0), [query]);

  const run = (c: Command | undefined) => {
    if (!c) return;
    close();
    c.run();
  };

  return (
    <Dialog title="Commands" onClose={close} testId="palette">
      <input
        ref={inputRef}
        className="input palette-input"
        placeholder="A screen, an action, or a dataset, run, model or alias by name…"
        value={query}
        aria-label="Command"
        data-testid="palette-input"
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setActive((a) => Math.min(a + 1, shown.length - 1));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setActive((a) => Math.max(a - 1, 0));
          } else if (e.key === 'Enter') {
            e.preventDefault();
            run(shown[active]);
          }
        }}
      />
      <ul className="palette-list" role="listbox" aria-label="Commands">
        {shown.map((c, i) => (
          <li
            key={c.id}
            role="option"
            aria-selected={i === active}
            className={i === active ? 'palette-item active' : 'palette-item'}
            data-testid={`cmd-${c.id}`}
            onMouseEnter={() => setActive(i)}
            onClick={() => run(c)}
          >
            <span className="muted palette-group">{c.group}</span>
            <span>{c.title}</span>
            {c.hint && <span className="muted small palette-hint">{c.hint}</span>}
          </li>
        ))}
        {shown.length === 0 && <li className="muted palette-item">No command matches “{query}”.</li>}
      </ul>
    </Dialog>
  );
}
