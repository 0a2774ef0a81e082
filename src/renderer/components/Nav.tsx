import { SCREENS, SCREEN_INFO, useAppStore } from '../stores/appStore';

const ICONS: Record<string, string> = {
  datasets: '▦',
  experiments: '◎',
  training: '↻',
  models: '◆',
  deploy: '⇪',
  monitor: '∿',
};

export function Nav() {
  const screen = useAppStore((s) => s.screen);
  const go = useAppStore((s) => s.go);
  return (
    <nav className="nav" aria-label="Screens">
      <div className="brand">
        <span className="brand-mark" aria-hidden>
          ◐
        </span>
        Lathe
      </div>
      <ul>
        {SCREENS.map((s) => (
          <li key={s}>
            <button
              type="button"
              className={s === screen ? 'nav-item active' : 'nav-item'}
              aria-current={s === screen ? 'page' : undefined}
              data-testid={`nav-${s}`}
              onClick={() => go(s)}
            >
              <span className="nav-icon" aria-hidden>
                {ICONS[s]}
              </span>
              <span>{SCREEN_INFO[s].title}</span>
              {SCREEN_INFO[s].coming && <span className="nav-soon">soon</span>}
            </button>
          </li>
        ))}
      </ul>
      <div className="nav-foot muted small">
        <kbd>Ctrl</kbd>+<kbd>K</kbd> commands
      </div>
    </nav>
  );
}
