import type { Router } from 'express';
import { AiNotConfigured } from '../errors.js';
import { policyAccess, policyPath } from '../http/policy-access.js';
import { askRequest, type askAnswer, type Reply } from '../http/schemas.js';
import type { ApiDeps } from './deps.js';

/**
 * Plain-language questions: the model writes SQL from the policy's schema; the guard and the database decide.
 * A write the model writes (read-write policies) comes back as a proposal with its preview, never run.
 */
export function askRoutes(router: Router, deps: ApiDeps): void {
  const withQuestion = policyAccess(deps.queries, askRequest);

  router.post(`${policyPath}/ask`, withQuestion, async (_req, res) => {
    const { policy, body, identity, signal, queryContext } = withQuestion.of(res);
    if (!deps.assistant) throw new AiNotConfigured();
    const schema = await deps.queries.schema(policy);
    const answer = await deps.assistant.ask({
      question: body.question,
      ...(body.conversationId ? { conversationId: body.conversationId } : {}),
      owner: identity.uid ?? identity.username,
      policy: policy.key,
      schema,
      access: policy.guard.access,
      rowLimit: policy.run.rowLimit,
    }, (sql, attempt, conversationId) => deps.queries.execute(policy, sql,
      queryContext('ask', { question: body.question, conversationId, attempt })), signal);
    res.json(answer satisfies Reply<typeof askAnswer>);
  });
}
