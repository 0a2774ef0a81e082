import { create } from 'zustand';
import type { AppInfo } from '../../shared/contract';
import { transport } from '../transport';
import { toasted } from './toastStore';

export const SCREENS = ['datasets', 'experiments', 'training', 'models', 'deploy', 'monitor', 'pipelines'] as const;
export type Screen = (typeof SCREENS)[number];
export type Theme = 'dark' | 'light';

export const SCREEN_INFO: Record<Screen, { title: string; key: string }> = {
  datasets: { title: 'Datasets', key: '1' },
  experiments: { title: 'Experiments', key: '2' },
  training: { title: 'Training', key: '3' },
  models: { title: 'Models', key: '4' },
  deploy: { title: 'Deploy', key: '5' },
  pipelines: { title: 'Pipelines', key: '7' },
  monitor: { title: 'Monitor', key: '6' },
};

const THEME_KEY = 'lathe.theme';

export function initialTheme(): Theme {
  try {
    const saved = localStorage.getItem(THEME_KEY);
    if (saved === 'dark' || saved === 'light') return saved;
  } catch {
    // storage may be unavailable
  }
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

interface AppState {
  screen: Screen;
  theme: Theme;
  info: AppInfo | null;
  paletteOpen: boolean;
}
interface AppActions {
  go(screen: Screen): void;
  setTheme(t: Theme): void;
  toggleTheme(): void;
  loadInfo(): Promise<void>;
  setPaletteOpen(open: boolean): void;
}

export const useAppStore = create<AppState & AppActions>()((set, get) => ({
  screen: 'datasets',
  theme: 'dark',
  info: null,
  paletteOpen: false,
  go(screen) {
    set({ screen });
  },
  setTheme(theme) {
    set({ theme });
    document.documentElement.dataset.theme = theme;
    try {
      localStorage.setItem(THEME_KEY, theme);
    } catch {
      // ignore
    }
  },
  toggleTheme() {
    get().setTheme(get().theme === 'dark' ? 'light' : 'dark');
  },
  async loadInfo() {
    const info = await toasted('app.info', () => transport().call('app.info', {}));
    if (info) set({ info });
  },
  setPaletteOpen(paletteOpen) {
    set({ paletteOpen });
  },
}));
