/**
 * Brings the local environment (API server, PostgreSQL, MariaDB) up once per test run, or uses the one
 * `npm run env:up` already started, and passes its settings to the test workers through process.env.
 * It tears down only what it started itself (set DBWARDEN_KEEP_ENV=1 to keep it).
 */
import { bundle } from '../../hack/build/bundle.js';
import { down, health, up } from '../../hack/env/environment.js';
import { envVars, writeEnvFile } from '../../hack/env/envfile.js';
import { ensureKubectl } from '../../hack/env/kubectl.js';
import { killLeftoverOperators } from '../../hack/env/leftovers.js';
import { info } from '../../hack/env/log.js';
import { loadState, saveState } from '../../hack/env/state.js';

export default async function setup(): Promise<() => Promise<void>> {
  const before = await health(loadState());
  const reused = Object.values(before).every(Boolean);
  if (reused) info('tests: using the local environment that is already running');
  const state = reused ? loadState() : await up();
  if (!state.kubectl) {
    // An environment started before env:up built kubectl: record it, so the tests and .dev/env use it too.
    state.kubectl = await ensureKubectl();
    saveState(state);
    writeEnvFile(state);
  }
  const leftovers = killLeftoverOperators();
  if (leftovers) info(`tests: ended ${leftovers} operator process(es) a killed test run left running`);
  // Tests run the operator as it ships: the esbuild bundle of the current sources (and it starts in well
  // under a second, which the crash-safety suite's hundreds of restarts need), with the crash points the
  // crash-safety suite drives, which production bundles leave out.
  await bundle(['operator'], true, { testHooks: true });
  Object.assign(process.env, envVars(state));
  info(`tests: Kubernetes ${state.controlPlane?.version} at https://127.0.0.1:${state.controlPlane?.apiPort}, ` +
    `${state.postgres?.version} on ${state.postgres?.port}, ${state.mariadb?.version} on ${state.mariadb?.port}`);
  return async () => {
    if (reused || process.env.DBWARDEN_KEEP_ENV === '1') return;
    await down();
  };
}
