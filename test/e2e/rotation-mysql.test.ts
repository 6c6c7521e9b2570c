import { rotationScenario } from './rotation-scenario.js';

rotationScenario('mysql');
