export * from './coverage.ts';
export * from './input.ts';
export * from './regex.ts';
export * from './values.ts';
