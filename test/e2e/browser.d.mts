// Types for test/e2e/browser.mjs (imported by test/tooling/e2eBrowser.test.ts).
export declare function candidatePaths(platform: string, env: Record<string, string | undefined>): string[];
export declare function findBrowser(opts?: { env?: Record<string, string | undefined>; platform?: string; exists?: (p: string) => boolean }): { path: string; source: 'LATHE_CHROMIUM' | 'system' | 'PATH' } | { error: string; path?: undefined; source?: undefined } | null;
export declare function osRelease(text: string | undefined): Record<string, string>;
export declare function installPlan(opts?: { platform?: string; isRoot?: boolean; os?: Record<string, string>; hasApt?: boolean }): { install: string[]; command?: undefined } | { command: string; install?: undefined };
export declare function ensureBrowser(log?: (s: string) => void): string;
