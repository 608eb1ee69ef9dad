// Jest for the Lightning Web Components (run from lwc/: `npm run test:lwc` at the repository root).
const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');

module.exports = {
    ...jestConfig,
    // Platform modules the tests control, all in jest-mocks/.
    moduleNameMapper: {
        '^@salesforce/apex/LeadscoreApi\\.getScoreHistory$': '<rootDir>/jest-mocks/apex/LeadscoreApi.getScoreHistory.js',
        '^@salesforce/apex/LeadscoreApi\\.sendFeedback$': '<rootDir>/jest-mocks/apex/LeadscoreApi.sendFeedback.js'
    },
    testPathIgnorePatterns: [...jestConfig.testPathIgnorePatterns, '<rootDir>/.sfdx/', '<rootDir>/.sf/'],
    // The card's tests never need the network; a slow CI box still finishes well inside this.
    testTimeout: 20000
};
