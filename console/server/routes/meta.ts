import type { Router } from 'express';
import { AiNotConfigured } from '../errors.js';
import { identityOf } from '../http/auth.js';
import type { identity, info, Reply } from '../http/schemas.js';
import type { ApiDeps } from './deps.js';

/** Who am I, and what can this console do (for the web UI). */
export function metaRoutes(router: Router, deps: ApiDeps): void {
  router.get('/me', (_req, res) => {
    const { username, uid, groups } = identityOf(res);
    res.json({ username, ...(uid ? { uid } : {}), groups } satisfies Reply<typeof identity>);
  });

  router.get('/info', (_req, res) => {
    res.json({
      ai: deps.assistant
        ? { enabled: true, model: deps.assistant.modelName, hint: null }
        : { enabled: false, model: null, hint: new AiNotConfigured().message },
    } satisfies Reply<typeof info>);
  });
}
