import type { Router } from 'express';
import { AiNotConfigured } from '../errors.js';
import { identityOf, requestIdOf } from '../http/auth.js';
import { clientGone } from '../http/disconnect.js';
import { askRequest, policyParams } from '../http/schemas.js';
import { validate } from '../http/validate.js';
import type { ApiDeps } from './deps.js';

/** Plain-language questions: the model writes SQL from the policy's schema; the guard and the database decide. */
export function askRoutes(router: Router, deps: ApiDeps): void {
  router.post('/namespaces/:namespace/policies/:name/ask', async (req, res) => {
    const { namespace, name } = validate(policyParams, req.params, 'path');
    const body = validate(askRequest, req.body, 'request body');
    const identity = identityOf(res);
    // The client going away stops the model's call and cancels a running statement in the database.
    const signal = clientGone(res);
    const resolved = await deps.queries.authorize(identity, namespace, name);
    if (!deps.assistant) throw new AiNotConfigured();
    const schema = await deps.queries.schema(resolved);
    const requestId = requestIdOf(req);
    const answer = await deps.assistant.ask({
      question: body.question,
      ...(body.conversationId ? { conversationId: body.conversationId } : {}),
      owner: identity.uid ?? identity.username,
      policy: resolved.key,
      schema,
      access: resolved.guard.access,
      rowLimit: resolved.run.rowLimit,
    }, (sql, attempt, conversationId) => deps.queries.execute(resolved, sql, false, {
      identity, source: 'ask', question: body.question, conversationId, attempt, signal, ...(requestId ? { requestId } : {}),
    }), signal);
    res.json(answer);
  });
}
