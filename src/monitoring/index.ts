export * from './psi.js';
export * from './accuracy.js';
export * from './alerts.js';
export * from './slack.js';
export * from './report.js';
export * from './monitor.js';
