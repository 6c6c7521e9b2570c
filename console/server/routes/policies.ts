import type { Router } from 'express';
import { identityOf } from '../http/auth.js';
import { policyParams } from '../http/schemas.js';
import { validate } from '../http/validate.js';
import { listConnections, listPolicies } from '../policies/listing.js';
import { policySummary } from '../policies/summary.js';
import type { ApiDeps } from './deps.js';

/** Listing and browsing: the policies and connections the caller may query, and a policy's schema. */
export function policyRoutes(router: Router, deps: ApiDeps): void {
  router.get('/policies', async (_req, res) => {
    res.json({ items: await listPolicies(deps.catalog, deps.reviewer, identityOf(res)) });
  });

  router.get('/connections', async (_req, res) => {
    res.json({ items: await listConnections(deps.catalog, deps.reviewer, identityOf(res)) });
  });

  router.get('/namespaces/:namespace/policies/:name', async (req, res) => {
    const { namespace, name } = validate(policyParams, req.params, 'path');
    const resolved = await deps.queries.authorize(identityOf(res), namespace, name);
    res.json(policySummary(resolved.policy, resolved.connection));
  });

  router.get('/namespaces/:namespace/policies/:name/schema', async (req, res) => {
    const { namespace, name } = validate(policyParams, req.params, 'path');
    const resolved = await deps.queries.authorize(identityOf(res), namespace, name);
    res.json(await deps.queries.schema(resolved));
  });
}
