// Stands in for the Apex method LeadscoreApi.getScoreHistory: each test decides what it answers.
export default jest.fn();
