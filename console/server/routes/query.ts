import type { Response, Router } from 'express';
import { csvRow } from '../csv.js';
import { policyAccess, policyPath } from '../http/policy-access.js';
import { queryRequest, type queryResponse, type Reply } from '../http/schemas.js';
import type { ApiDeps } from './deps.js';

/**
 * SQL typed by a person: as JSON, or streamed as CSV (never stored). A client that goes away mid-query
 * cancels the statement in the database. A write answers 409 preview_required with its preview (the error
 * middleware adds the `preview` the error carries) and runs only when sent again with the preview's token;
 * CSV exports SELECTs only.
 */
export function queryRoutes(router: Router, deps: ApiDeps): void {
  const withQuery = policyAccess(deps.queries, queryRequest);

  router.post(`${policyPath}/query`, withQuery, async (_req, res) => {
    const { policy, body, queryContext } = withQuery.of(res);
    res.json(await deps.queries.execute(policy, body.sql, queryContext('sql'), body.previewToken) satisfies Reply<typeof queryResponse>);
  });

  router.post(`${policyPath}/query.csv`, withQuery, async (_req, res) => {
    const { policy, body, queryContext } = withQuery.of(res);
    const summary = await deps.queries.stream(policy, body.sql, queryContext('csv'), {
      columns: (columns) => {
        startCsv(res, `${policy.namespace}-${policy.name}.csv`);
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
