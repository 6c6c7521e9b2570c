import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubeConfig, uniqueName } from '../../../test/support/kube.js';
import { EventRecorder } from './events.js';

let kc: KubeConfig;
let core: CoreV1Api;
let namespace: string;
const log = pino({ level: 'silent' });

beforeAll(async () => {
  kc = kubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  namespace = uniqueName('events');
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});

afterAll(async () => {
  await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
});

const target = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, uid: `uid-${name}` } });

async function eventsNamed(prefix: string): Promise<{ reason?: string; message?: string; type?: string }[]> {
  const list = await core.listNamespacedEvent({ namespace });
  return list.items.filter((e) => e.involvedObject.name?.startsWith(prefix));
}

describe('EventRecorder', () => {
  it('records an event once per object, reason and message within the repeat interval', async () => {
    const recorder = new EventRecorder(core, log);
    for (let i = 0; i < 5; i++) recorder.warning(target('once'), 'Unreachable', 'the same message');
    recorder.normal(target('once'), 'CredentialsRotated', 'another reason');
    await eventually('the events to be sent', () => recorder.pending === 0);
    const events = await eventsNamed('once');
    expect(events.map((e) => `${e.type}/${e.reason}`).sort()).toEqual(['Normal/CredentialsRotated', 'Warning/Unreachable']);
  });

  it('sends a burst through a bounded queue and drops what overflows it, changing nothing else', async () => {
    const recorder = new EventRecorder(core, log, { concurrency: 2, queueLimit: 20 });
    let most = 0;
    for (let i = 0; i < 100; i++) {
      recorder.warning(target(`burst-${i}`), 'Unreachable', `policy ${i} is broken`);
      most = Math.max(most, recorder.pending);
    }
    // Two in flight and twenty waiting at most: never an Event (and a connection) per failing object at once.
    expect(most).toBe(22);
    await eventually('the queue to drain', () => recorder.pending === 0);
    expect(await eventsNamed('burst-')).toHaveLength(22);
    // Once drained it records again.
    recorder.warning(target('burst-late'), 'Unreachable', 'later');
    await eventually('the late event', async () => (await eventsNamed('burst-late')).length === 1);
  });
});
