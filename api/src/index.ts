export type * from './types.generated.js';
export * from './api.js';
export * from './secret.js';
export * from './engine.js';
