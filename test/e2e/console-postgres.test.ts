import { consoleScenario } from './console-scenario.js';

consoleScenario('postgres');
