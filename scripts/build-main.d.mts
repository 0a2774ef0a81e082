// Types for scripts/build-main.mjs (imported by tests and scripts/start.mjs).
export declare const MAIN_EXTERNALS: string[];
export declare const ENTRIES: Record<string, { entry: string; out: string; options: Record<string, unknown> }>;
/** Rewrites how a bundle requires Node's built-ins (shared copies, some loaded on first use); returns how many calls it rewrote. */
export declare function builtinsOnDemand(file: string): number;
export declare function buildMain(opts?: { outdir?: string; only?: string[]; quiet?: boolean }): Promise<string[]>;
/** The esbuild plugin that resolves `zod` to src/main/cli/lazyZod.ts (the CLI bundle's). */
export declare const LAZY_ZOD: import('esbuild').Plugin;
