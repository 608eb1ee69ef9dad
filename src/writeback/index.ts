export * from './drain.js';
export * from './rate-gate.js';
export * from './retry.js';
export * from './fields.js';
