/**
 * The benchmark's HTTP client for the console: node:http with keep-alive connections, as a service calling
 * the API would use. (fetch costs the client about 1.5 ms more per request here, which would be counted as
 * the console's.)
 */
import http from 'node:http';

export interface Answer {
  status: number;
  text: string;
  /** The Mcp-Session-Id header of an MCP answer. */
  sessionId?: string;
}

export class ConsoleClient {
  private readonly agent: http.Agent;
  private readonly url: URL;

  constructor(baseUrl: string, maxSockets: number) {
    this.url = new URL(baseUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  request(method: 'GET' | 'POST', path: string, options: { token?: string; body?: string; headers?: http.OutgoingHttpHeaders } = {}): Promise<Answer> {
    const headers: http.OutgoingHttpHeaders = { ...options.headers };
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(options.body);
    }
    return new Promise((resolve, reject) => {
      const req = http.request({ host: this.url.hostname, port: this.url.port, method, path, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        const sessionId = res.headers['mcp-session-id'];
        res.on('end', () => resolve({
          status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), ...(typeof sessionId === 'string' ? { sessionId } : {}),
        }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(options.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
