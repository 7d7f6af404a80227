export * from './catalogue.ts';
export * from './judge.ts';
export * from './run.ts';
export * from './session.ts';
export type * from './types.ts';
