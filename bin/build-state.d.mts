// Types of build-state.mjs, for the TypeScript modules that ask which code the executable runs.
export declare const SOURCE_DIRS: string[];
export declare const STAMP: string;
export declare const PENDING_STAMP: string;
export declare function listSources(root: string): string[];
export declare function snapshot(root: string): {
  version: 1;
  files: Record<string, { size: number; mtimeMs: number; sha256: string }>;
};
export declare function buildState(root: string): { current: true } | { current: false; reason: string };
