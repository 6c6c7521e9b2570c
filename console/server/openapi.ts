import { z } from 'zod';
import './http/schemas.js';

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (id: string, description: string) => ({ description, content: { 'application/json': { schema: ref(id) } } });
const error = (description: string) => json('Error', description);
const list = (id: string, description: string) => ({
  description,
  content: { 'application/json': { schema: { type: 'object', properties: { items: { type: 'array', items: ref(id) } }, required: ['items'] } } },
});

const policyPath = [
  { name: 'namespace', in: 'path', required: true, schema: { type: 'string' } },
  { name: 'name', in: 'path', required: true, schema: { type: 'string' }, description: 'The AccessPolicy.' },
];
const common = {
  401: error('No bearer token, or one the API server does not accept (code unauthenticated).'),
  503: error('The Kubernetes API server cannot answer (kubernetes_unavailable), or the console is shutting down.'),
};
const onPolicy = {
  ...common,
  400: error('Invalid path or body (invalid_request).'),
  403: error('RBAC does not grant the verb query on this AccessPolicy (forbidden), or spec.console.enabled is not true (console_disabled).'),
  404: error('The AccessPolicy does not exist (not_found).'),
  409: error('The policy is not provisioned yet: no credentials Secret (policy_not_ready).'),
  502: error('The database cannot be reached or refused the credentials (database_unavailable).'),
};
const queryErrors = {
  ...onPolicy,
  400: error('The database refused or failed the statement (database_error, with its message), the statement ran past the policy\'s statementTimeout (statement_timeout), ' +
    'the body is invalid (invalid_request; also a write sent to query.csv), or the previewToken is malformed or forged (token_invalid).'),
  403: error('RBAC does not grant the verb query on this AccessPolicy (forbidden), spec.console.enabled is not true (console_disabled), ' +
    'or the previewToken was issued to another user (token_other_caller).'),
  409: {
    description: 'A write without previewToken (preview_required: the body carries the preview, nothing ran); the rows changed since the preview ' +
      '(preview_stale); the token is expired, used, from another replica, or for another policy or statement (token_expired, token_used, ' +
      'token_other_replica, token_other_policy, token_other_statement); or the policy is not provisioned yet (policy_not_ready).',
    content: { 'application/json': { schema: { oneOf: [ref('PreviewRequired'), ref('Error')] } } },
  },
  422: error('The SQL guard refused the statement (guard_rejected), or a write cannot be previewed (preview_unsupported, not_transactional).'),
  429: error('Too many queries are waiting for this policy\'s connections (too_many_requests).'),
};
const queryBody = { required: true, content: { 'application/json': { schema: ref('QueryRequest') } } };
const bearer = [{ bearer: [] }];

/** The console's OpenAPI 3.1 document, served at /openapi.json; component schemas come from the zod schemas. */
export function openApiDocument(): object {
  const generated = z.toJSONSchema(z.globalRegistry, { uri: (id) => `#/components/schemas/${id}` }).schemas;
  const schemas = Object.fromEntries(Object.entries(generated).map(([id, schema]) => {
    const { $schema: _s, $id: _i, ...rest } = schema as Record<string, unknown>;
    return [id, rest];
  }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'dbwarden console API',
      version: 'v1',
      description: 'Query databases through dbwarden AccessPolicies, authorised by Kubernetes RBAC (verb query on ' +
        'accesspolicies.dbwarden.io). Every /api route needs a bearer token the API server accepts (TokenReview). ' +
        'Errors are {"error": {"code", "message"}}.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A Kubernetes token (ServiceAccount or OIDC).' } }, schemas },
    security: bearer,
    paths: {
      '/api/v1/me': { get: { summary: 'The caller, as the API server authenticates it', responses: { 200: json('Identity', 'The identity'), ...common } } },
      '/api/v1/info': { get: { summary: 'What this console offers (whether AI is configured)', responses: { 200: json('Info', 'Console features'), ...common } } },
      '/api/v1/policies': {
        get: { summary: 'Console-enabled AccessPolicies the caller may query', responses: { 200: list('Policy', 'The policies'), ...common } },
      },
      '/api/v1/connections': {
        get: { summary: 'DatabaseConnections behind those policies (posture, TLS, replica)', responses: { 200: list('Connection', 'The connections'), ...common } },
      },
      '/api/v1/namespaces/{namespace}/policies/{name}': {
        parameters: policyPath,
        get: { summary: 'One policy', responses: { 200: json('Policy', 'The policy'), ...onPolicy } },
      },
      '/api/v1/namespaces/{namespace}/policies/{name}/schema': {
        parameters: policyPath,
        get: {
          summary: 'Tables and columns as the policy\'s own database user sees them, limited to the policy\'s tables',
          responses: { 200: json('Schema', 'The schema'), ...onPolicy },
        },
      },
      '/api/v1/namespaces/{namespace}/policies/{name}/query': {
        parameters: policyPath,
        post: {
          summary: 'Run one guarded SQL statement through the policy; a write is previewed first (409) and runs with its previewToken',
          requestBody: queryBody,
          responses: { 200: json('QueryResult', 'The result (at most console.rowLimit rows)'), ...queryErrors },
        },
      },
      '/api/v1/namespaces/{namespace}/policies/{name}/query.csv': {
        parameters: policyPath,
        post: {
          summary: 'The same as query, streamed as CSV (header row first); trailers X-Row-Count and X-Truncated follow the body',
          requestBody: queryBody,
          responses: { 200: { description: 'CSV', content: { 'text/csv': { schema: { type: 'string' } } } }, ...queryErrors },
        },
      },
      '/api/v1/namespaces/{namespace}/policies/{name}/ask': {
        parameters: policyPath,
        post: {
          summary: 'Ask in plain language: the model writes SQL from the policy\'s schema, the guard and the database decide',
          requestBody: { required: true, content: { 'application/json': { schema: ref('AskRequest') } } },
          responses: {
            200: json('Answer', 'The model\'s SQL, explanation and result (a write: its proposal and preview, never run); or, after 3 refused attempts, why it failed'),
            ...onPolicy,
            404: error('The AccessPolicy, or the conversation, does not exist (not_found).'),
            502: error('The model\'s server failed (ai_error), or the database cannot be reached.'),
            503: error('No model is configured (ai_not_configured): the message says how to enable it.'),
            504: error('The model did not answer in time (ai_error).'),
          },
        },
      },
      '/healthz': { get: { summary: 'Liveness', security: [], responses: { 200: { description: 'ok' } } } },
      '/readyz': { get: { summary: 'Readiness (503 while shutting down)', security: [], responses: { 200: { description: 'ready' }, 503: { description: 'not ready' } } } },
      '/metrics': { get: { summary: 'Prometheus metrics', security: [], responses: { 200: { description: 'metrics', content: { 'text/plain': {} } } } } },
      '/openapi.json': { get: { summary: 'This document', security: [], responses: { 200: { description: 'OpenAPI 3.1' } } } },
    },
  };
}
