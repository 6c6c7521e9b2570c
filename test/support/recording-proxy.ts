import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

export interface RecordedRequest {
  method: string;
  /** Path and query, as the client sent them. */
  url: string;
  accept: string;
}

export interface RecordingProxy {
  /** A kubeconfig for the proxy (plain HTTP on 127.0.0.1, no credentials: the proxy adds them). */
  kubeConfig: KubeConfig;
  /** The same, as a file, for a child process. */
  kubeconfigFile: string;
  requests: RecordedRequest[];
  /** Every response byte the client received so far, watch streams included, as text. */
  received(): string;
  close(): Promise<void>;
}

/**
 * A plain-HTTP proxy on 127.0.0.1 in front of the API server, authenticating as `upstream`'s user (client
 * certificate or token), that keeps every byte it hands to its client. It asks the server for no compression,
 * so what it keeps is what a client parses: a test can search it for what the API server sent, and for what it
 * never sent.
 */
export async function startRecordingProxy(upstream: KubeConfig): Promise<RecordingProxy> {
  const cluster = upstream.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const target = new URL(cluster.server);
  const tls: RequestOptions = { headers: {} };
  await upstream.applyToHTTPSOptions(tls);
  const chunks: Buffer[] = [];
  const requests: RecordedRequest[] = [];

  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', accept: req.headers.accept ?? '' });
    const headers: IncomingHttpHeaders = { ...req.headers, ...(tls.headers as IncomingHttpHeaders), host: target.host };
    delete headers['accept-encoding'];
    delete headers.connection;
    const out = httpsRequest({
      ...tls, host: target.hostname, port: target.port || 443, method: req.method, path: req.url, headers,
    }, (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        res.write(chunk);
      });
      upstreamRes.on('end', () => res.end());
      upstreamRes.on('error', () => res.destroy());
    });
    out.on('error', () => res.destroy());
    res.on('close', () => out.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  const kc = new KubeConfig();
  const options = {
    // Plain HTTP on loopback: client-node asks for skipTLSVerify before it speaks HTTP at all.
    clusters: [{ name: 'proxy', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'proxy' }],
    contexts: [{ name: 'proxy', cluster: 'proxy', user: 'proxy' }],
    currentContext: 'proxy',
  };
  kc.loadFromOptions(options);
  const kubeconfigFile = join(mkdtempSync(join(tmpdir(), 'dbwarden-proxy-')), 'kubeconfig');
  writeFileSync(kubeconfigFile, stringify({
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name: 'proxy', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'proxy', user: {} }],
    contexts: [{ name: 'proxy', context: { cluster: 'proxy', user: 'proxy' } }],
    'current-context': 'proxy',
  }), { mode: 0o600 });

  return {
    kubeConfig: kc,
    kubeconfigFile,
    requests,
    received: () => Buffer.concat(chunks).toString('utf8'),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
