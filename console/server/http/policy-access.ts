import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import type { QuerySource } from '../audit.js';
import type { Identity } from '../auth/identity.js';
import type { ResolvedPolicy } from '../policies/resolve.js';
import type { QueryContext } from '../queries.js';
import { identityOf, requestIdOf } from './auth.js';
import { clientGone } from './disconnect.js';
import { policyParams } from './schemas.js';
import { validate } from './validate.js';

/** The path of every route on one policy; a route appends its own part (`${policyPath}/query`). */
export const policyPath = '/namespaces/:namespace/policies/:name';

/** Decides whether a caller may use a policy, and loads it (QueryService.authorize). */
export interface PolicyAuthorizer {
  authorize(who: Identity, namespace: string, name: string): Promise<ResolvedPolicy>;
}

/** What a route on one policy works with, once the preamble has run. */
export interface PolicyRequest<Body> {
  body: Body;
  identity: Identity;
  policy: ResolvedPolicy;
  /** Aborted when the client goes away: stops the model's call and cancels a running statement. */
  signal: AbortSignal;
  requestId: string | undefined;
  /** The audit and cancellation context of a query made for this request. */
  queryContext: (source: QuerySource, extra?: Pick<QueryContext, 'question' | 'conversationId' | 'attempt'>) => QueryContext;
}

/** The middleware, and the typed accessor of what it put in place for the route's handler. */
export interface PolicyAccess<Body> {
  (req: Request, res: Response, next: NextFunction): Promise<void>;
  of(res: Response): PolicyRequest<Body>;
}

interface Stored {
  by: unknown;
  request: PolicyRequest<unknown>;
}

const slot = 'dbwardenPolicyRequest';

/**
 * The preamble of every route on a policy, in the order the API has always answered: the path (400), the
 * body when the route takes one (400), the caller (set by requireIdentity), the client's abort signal, and
 * Kubernetes RBAC and the policy itself (403, 404, 409). The handler then reads it with `access.of(res)`.
 */
export function policyAccess(authorizer: PolicyAuthorizer): PolicyAccess<undefined>;
export function policyAccess<S extends z.ZodType>(authorizer: PolicyAuthorizer, bodySchema: S): PolicyAccess<z.output<S>>;
export function policyAccess(authorizer: PolicyAuthorizer, bodySchema?: z.ZodType): PolicyAccess<unknown> {
  const access = async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const { namespace, name } = validate(policyParams, req.params, 'path');
    const body: unknown = bodySchema ? validate(bodySchema, req.body, 'request body') : undefined;
    const identity = identityOf(res);
    const signal = clientGone(res);
    const policy = await authorizer.authorize(identity, namespace, name);
    const requestId = requestIdOf(req);
    const request: PolicyRequest<unknown> = {
      body, identity, policy, signal, requestId,
      queryContext: (source, extra = {}) => ({ identity, source, signal, ...(requestId ? { requestId } : {}), ...extra }),
    };
    res.locals[slot] = { by: access, request } satisfies Stored;
    next();
  };
  return Object.assign(access, {
    of(res: Response): PolicyRequest<unknown> {
      const stored = res.locals[slot] as Stored | undefined;
      if (stored?.by !== access) throw new Error('policyAccess(...) must run before the handler that reads it');
      return stored.request;
    },
  });
}
