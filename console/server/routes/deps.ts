import type { AccessReviewer } from '../auth/access.js';
import type { Assistant } from '../ai/assistant.js';
import type { KubeCatalog } from '../kube/catalog.js';
import type { QueryService } from '../queries.js';

/** What the API routes need. `assistant` is absent when no model is configured. */
export interface ApiDeps {
  catalog: KubeCatalog;
  reviewer: AccessReviewer;
  queries: QueryService;
  assistant?: Assistant;
}
