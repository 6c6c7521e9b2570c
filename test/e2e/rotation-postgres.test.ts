import { rotationScenario } from './rotation-scenario.js';

rotationScenario('postgres');
