export * from './schema.js';
export * from './store.js';
export * from './routing.js';
