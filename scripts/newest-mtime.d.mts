// Types for scripts/newest-mtime.mjs.
export declare function newestMtime(paths: string | string[]): number;
