import { useEffect, useMemo, useRef, useState } from 'react';
import { filterCommands, type Command } from '../commands';
import { SCREENS, SCREEN_INFO, useAppStore } from '../stores/appStore';
import { useDatasetsStore } from '../stores/datasetsStore';
import { Dialog } from './Dialog';

function useCommands(): Command[] {
  const datasets = useDatasetsStore((s) => s.list.data);
  return useMemo(() => {
    const app = useAppStore.getState();
    const ds = useDatasetsStore.getState();
    const list: Command[] = SCREENS.map((s) => ({
      id: `go-${s}`,
      title: SCREEN_INFO[s].title,
      group: 'Go to' as const,
      hint: SCREEN_INFO[s].coming ? 'soon' : undefined,
      run: () => app.go(s),
    }));
    list.push({
      id: 'add-dataset',
      title: 'Add a dataset or version…',
      group: 'Action',
      run: () => {
        app.go('datasets');
        ds.setAddOpen(true);
      },
    });
    list.push({ id: 'toggle-theme', title: 'Toggle light/dark theme', group: 'Action', run: () => useAppStore.getState().toggleTheme() });
    for (const d of datasets ?? []) {
      list.push({
        id: `open-${d.name}`,
        title: `Open ${d.name}`,
        group: 'Dataset',
        hint: d.latest ? `v${d.latest.number}` : undefined,
        run: () => {
          app.go('datasets');
          void ds.open(d.name);
        },
      });
    }
    return list;
  }, [datasets]);
}

export function CommandPalette() {
  const setOpen = useAppStore((s) => s.setPaletteOpen);
  const commands = useCommands();
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const inputRef = useRef<HTMLInputElement>(null);
  const shown = filterCommands(commands, query);
  const close = () => setOpen(false);

  useEffect(() => {
    inputRef.current?.focus();
    if (!useDatasetsStore.getState().list.data) void useDatasetsStore.getState().loadList();
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
        placeholder="Type a command or a dataset name…"
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
