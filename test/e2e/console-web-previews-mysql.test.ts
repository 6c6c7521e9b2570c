import { webPreviewsScenario } from './console-web-previews-scenario.js';

webPreviewsScenario('mysql');
