// Loading this module registers every connector with the registry in src/domain. Only the
// wiring (server, workers, cli) imports it; the core finds connectors by kind.
import './file/index.js';
import './salesforce/index.js';
import './hubspot/index.js';
