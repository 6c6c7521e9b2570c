import { info } from '../env/log.js';
import { demoTokenFile, demoUser } from './console.js';
import { demoNamespace } from './manifests.js';

/** Where the console is and how to sign in as the demo user: the same lines in both modes. */
export function printSignIn(url: string): void {
  info(`  Console:  ${url}`);
  info(`  Sign in:  paste the token in ${demoTokenFile} into "Kubernetes bearer token" (e.g. copy it from \`cat ${demoTokenFile}\`).`);
  info(`            It is ServiceAccount ${demoNamespace}/${demoUser}, bound to ClusterRole dbwarden-console-user in namespace ${demoNamespace}; valid 24h.`);
}

export function printTry(): void {
  info('  Try:      the policy postgres-ai-readonly (products and orders only), "SELECT category, count(*) FROM public.products GROUP BY category".');
}
