import { info } from '../env/log.js';
import { demoTokenFile, demoUser } from './console.js';
import { demoNamespace } from './manifests.js';

/** Where the console is and how to sign in as the demo user: the same lines in both modes. */
export function printSignIn(url: string): void {
  info(`  Console:  ${url}`);
  info(`  Sign in:  paste the token in ${demoTokenFile} into "Kubernetes bearer token" (e.g. copy it from \`cat ${demoTokenFile}\`).`);
  info(`            It is ServiceAccount ${demoNamespace}/${demoUser}, bound to ClusterRole dbwarden-console-user in namespace ${demoNamespace}; valid 24h.`);
  info(`  MCP:      ${url}/mcp  (Streamable HTTP; the same token as "Authorization: Bearer …"; docs/mcp.md). For Claude Code:`);
  info(`            claude mcp add --transport http dbwarden ${url}/mcp --header "Authorization: Bearer $(cat ${demoTokenFile})"`);
  info(`            Cursor, VS Code and others: ${mcpClientConfig(url)}`);
}

/** A client configuration to paste (Cursor's mcp.json shape; VS Code's is in docs/mcp.md). */
export function mcpClientConfig(url: string): string {
  return JSON.stringify({ mcpServers: { dbwarden: { url: `${url}/mcp`, headers: { Authorization: `Bearer <the token in ${demoTokenFile}>` } } } });
}

export function printTry(): void {
  info('  Try:      the policy postgres-ai-readonly (products and orders only), "SELECT category, count(*) FROM public.products GROUP BY category".');
}
