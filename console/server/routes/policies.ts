import type { Router } from 'express';
import { identityOf } from '../http/auth.js';
import { policyAccess, policyPath } from '../http/policy-access.js';
import type { connectionSummary, Items, policySummary as policySchema, Reply, schemaDescription } from '../http/schemas.js';
import { listConnections, listPolicies } from '../policies/listing.js';
import { policySummary } from '../policies/summary.js';
import type { ApiDeps } from './deps.js';

/** Listing and browsing: the policies and connections the caller may query, and a policy's schema. */
export function policyRoutes(router: Router, deps: ApiDeps): void {
  const onPolicy = policyAccess(deps.queries);

  router.get('/policies', async (_req, res) => {
    res.json({ items: await listPolicies(deps.catalog, deps.reviewer, identityOf(res)) } satisfies Items<typeof policySchema>);
  });

  router.get('/connections', async (_req, res) => {
    res.json({ items: await listConnections(deps.catalog, deps.reviewer, identityOf(res)) } satisfies Items<typeof connectionSummary>);
  });

  router.get(policyPath, onPolicy, (_req, res) => {
    const { policy } = onPolicy.of(res);
    res.json(policySummary(policy.policy, policy.connection) satisfies Reply<typeof policySchema>);
  });

  router.get(`${policyPath}/schema`, onPolicy, async (_req, res) => {
    res.json(await deps.queries.schema(onPolicy.of(res).policy) satisfies Reply<typeof schemaDescription>);
  });
}
