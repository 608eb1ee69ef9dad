export { generateBundle, DEFAULT_EXPORT_AT, type GenerateOptions, type GenerateSummary } from './generate.js';
