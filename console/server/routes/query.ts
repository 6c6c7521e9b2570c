import type { Response, Router } from 'express';
import { csvRow } from '../csv.js';
import { identityOf, requestIdOf } from '../http/auth.js';
import { clientGone } from '../http/disconnect.js';
import { policyParams, queryRequest } from '../http/schemas.js';
import { validate } from '../http/validate.js';
import type { ApiDeps } from './deps.js';

/**
 * SQL typed by a person: as JSON, or streamed as CSV (never stored). A client that goes away mid-query
 * cancels the statement in the database.
 */
export function queryRoutes(router: Router, deps: ApiDeps): void {
  router.post('/namespaces/:namespace/policies/:name/query', async (req, res) => {
    const { namespace, name } = validate(policyParams, req.params, 'path');
    const body = validate(queryRequest, req.body, 'request body');
    const identity = identityOf(res);
    const signal = clientGone(res);
    const resolved = await deps.queries.authorize(identity, namespace, name);
    res.json(await deps.queries.execute(resolved, body.sql, body.confirm === true, { identity, source: 'sql', requestId: requestIdOf(req), signal }));
  });

  router.post('/namespaces/:namespace/policies/:name/query.csv', async (req, res) => {
    const { namespace, name } = validate(policyParams, req.params, 'path');
    const body = validate(queryRequest, req.body, 'request body');
    const identity = identityOf(res);
    const signal = clientGone(res);
    const resolved = await deps.queries.authorize(identity, namespace, name);
    const summary = await deps.queries.stream(resolved, body.sql, body.confirm === true, { identity, source: 'csv', requestId: requestIdOf(req), signal }, {
      columns: (columns) => {
        startCsv(res, `${namespace}-${name}.csv`);
        res.write(csvRow(columns.map((c) => c.name)));
      },
      row: (values) => {
        res.write(csvRow(values));
      },
    });
    res.addTrailers({ 'X-Row-Count': String(summary.rowCount), 'X-Truncated': String(summary.truncated) });
    res.end();
  });
}

function startCsv(res: Response, filename: string): void {
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Trailer', 'X-Row-Count, X-Truncated');
}
