import { shopScenario } from './shop-scenario.js';

shopScenario('postgres');
