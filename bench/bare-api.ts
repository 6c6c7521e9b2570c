/**
 * The least an HTTP API in front of a database can be: a bare node:http server that runs one fixed query on
 * a pg connection of its own for every POST and answers `{"rowCount", "rows"}`. No authentication, guard,
 * transaction, admission or log. bench:console times it next to the console, so that its figure shows what
 * one HTTP hop plus one query cost on this machine, whoever writes the API.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';

export class BareApi {
  private readonly client: pg.Client;
  private server?: http.Server;

  constructor(settings: pg.ClientConfig, private readonly sql: string) {
    this.client = new pg.Client(settings);
  }

  /** Connects to the database and listens on a free loopback port; resolves the server's base URL. */
  async start(): Promise<string> {
    await this.client.connect();
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        this.client.query({ text: this.sql, rowMode: 'array' }).then((result) => {
          res.setHeader('Content-Type', 'application/json');
          res.end(JSON.stringify({ rowCount: result.rowCount, rows: result.rows }));
        }, (err: unknown) => {
          res.statusCode = 500;
          res.end(JSON.stringify({ error: (err as Error).message }));
        });
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await this.client.end().catch(() => undefined);
  }
}
