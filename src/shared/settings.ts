import { z } from 'zod';

/**
 * Workspace settings the engine keeps (the desktop shell reads them, not only the screen): stored in the
 * workspace's `meta` table, so they travel with the folder and every door sees the same values. The theme
 * stays in the renderer's localStorage: it only matters to the window that draws it.
 */
export interface AppSettings {
  /** A desktop notification when a monitoring alert starts firing (docs/MONITORING.md, "Desktop notifications"). */
  desktopNotifications: boolean;
}

export const DEFAULT_SETTINGS: AppSettings = { desktopNotifications: true };

export const settingsPatchSchema = z.object({ desktopNotifications: z.boolean().optional() }).strict();

const returns = <T>(): { readonly __output?: T } => ({});

export const settingsCalls = {
  'settings.get': {
    input: z.object({}).strict(),
    output: returns<AppSettings>(),
    summary: "The workspace's settings (desktop notifications on alerts)",
    mutates: false,
  },
  'settings.set': {
    input: settingsPatchSchema,
    output: returns<AppSettings>(),
    summary: 'Change settings: the fields given, the rest as they were',
    mutates: true,
  },
} as const;
