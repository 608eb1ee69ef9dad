export * from './import.js';
export * from './collect.js';
