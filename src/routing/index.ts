export { assignLead, type AssignOptions, type AssignmentResult } from './assign.js';
export { decide, rotationKey, type Decision, type RoutingBackend } from './engine.js';
export { leadFacts, type LeadFacts } from './facts.js';
export { conditionsHold, findRule, type RuleMatch } from './match.js';
export { countryKey, regionOf, stateKey } from './places.js';
export { emptyRotation, nextRoundRobin, nextWeighted, type Availability, type RotationState } from './rotation.js';
export { simulateRouting, spreadOf, type SimulationLead, type SimulationReport, type Spread } from './simulate.js';
export { followUpTask } from './task.js';
export { dayIn, serviceLevelDue } from './time.js';
