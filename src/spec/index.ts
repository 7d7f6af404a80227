export * from './load.ts';
export * from './resolve.ts';
export * from './types.ts';
