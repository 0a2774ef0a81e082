import { ComputeBadge } from '../screens/training/ComputeBadge';
import { useAppStore } from '../stores/appStore';

export function TopBar() {
  const info = useAppStore((s) => s.info);
  const theme = useAppStore((s) => s.theme);
  const toggleTheme = useAppStore((s) => s.toggleTheme);
  const setPaletteOpen = useAppStore((s) => s.setPaletteOpen);
  return (
    <header className="topbar">
      <div className="workspace" title="Workspace folder (LATHE_HOME)">
        <span className="muted">Workspace</span>
        <code data-testid="workspace-path">{info?.home ?? '…'}</code>
      </div>
      <div className="topbar-actions">
        <ComputeBadge />
        <button type="button" className="button ghost" onClick={() => setPaletteOpen(true)} data-testid="open-palette">
          Commands <kbd>Ctrl K</kbd>
        </button>
        <button
          type="button"
          className="button ghost"
          onClick={toggleTheme}
          data-testid="theme-toggle"
          aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
        >
          {theme === 'dark' ? '☀ Light' : '☾ Dark'}
        </button>
        {info && <span className="muted small">v{info.version}</span>}
      </div>
    </header>
  );
}
