export * from './spec.js';
export * from './title.js';
export * from './firmographics.js';
export { featurize, featurizeMany, parseNumber, type FeatureMatrix, type FeaturizeItem } from './featurize.js';
export { inferAttributeFeatures, ATTRIBUTE_RULES } from './attributes.js';
