import type { NextFunction, Request, Response } from 'express';
import type {} from 'pino-http';
import type { Authenticator, Identity } from '../auth/identity.js';
import { Unauthenticated } from '../errors.js';

const bearer = /^Bearer\s+(\S+)\s*$/i;

/** Requires `Authorization: Bearer <token>` and a TokenReview that accepts it; the identity goes to res.locals. */
export function requireIdentity(authenticator: Pick<Authenticator, 'authenticate'>) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const header = req.headers.authorization;
    if (!header) throw new Unauthenticated();
    const token = bearer.exec(header)?.[1];
    if (!token) throw new Unauthenticated('The Authorization header must be "Bearer <token>".');
    res.locals.identity = await authenticator.authenticate(token);
    next();
  };
}

/** The caller, as set by requireIdentity. */
export function identityOf(res: Response): Identity {
  const identity = res.locals.identity as Identity | undefined;
  if (!identity) throw new Unauthenticated();
  return identity;
}

/** The request id pino-http assigned (from X-Request-Id or a new UUID). */
export function requestIdOf(req: Request): string | undefined {
  return typeof req.id === 'string' || typeof req.id === 'number' ? String(req.id) : undefined;
}
