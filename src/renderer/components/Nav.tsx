import { useEffect } from 'react';
import { navigate } from '../navigation';
import { firingTotal, useMonitorStore } from '../stores/monitorStore';
import { SCREENS, SCREEN_INFO, useAppStore } from '../stores/appStore';

const ICONS: Record<string, string> = {
  datasets: '▦',
  experiments: '◎',
  training: '↻',
  models: '◆',
  deploy: '⇪',
  monitor: '∿',
  pipelines: '⇶',
};

export function Nav() {
  const screen = useAppStore((s) => s.screen);
  // Firing alerts show on Monitor from the start, whatever screen is open (kept current by monitor events).
  const firing = useMonitorStore((s) => firingTotal(s.list.data));
  useEffect(() => {
    void useMonitorStore.getState().loadList();
  }, []);
  return (
    <nav className="nav" aria-label="Screens">
      <div className="brand">
        <span className="brand-mark" aria-hidden>
          ◐
        </span>
        <span className="brand-name">Lathe</span>
      </div>
      <ul>
        {SCREENS.map((s) => (
          <li key={s}>
            <button
              type="button"
              className={s === screen ? 'nav-item active' : 'nav-item'}
              aria-current={s === screen ? 'page' : undefined}
              data-testid={`nav-${s}`}
              onClick={() => navigate(s)}
              title={s === screen ? `Back to the ${SCREEN_INFO[s].title} list` : SCREEN_INFO[s].title}
            >
              <span className="nav-icon" aria-hidden>
                {ICONS[s]}
              </span>
              <span className="nav-label">{SCREEN_INFO[s].title}</span>
              {s === 'monitor' && firing > 0 && (
                <span className="nav-badge" data-testid="nav-alerts" title={`${firing} alert${firing === 1 ? '' : 's'} firing`}>
                  {firing}
                </span>
              )}
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
