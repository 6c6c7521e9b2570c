import type { Condition } from '@dbwarden/api';
import type { ConditionReason } from './reasons.js';

export interface ConditionInput {
  type: string;
  status: Condition['status'];
  reason: ConditionReason;
  message: string;
}

/**
 * Sets one condition in a list, keeping lastTransitionTime when the status did not change, so recomputing
 * the same state produces the same status (and no API write).
 */
export function setCondition(conditions: Condition[] | undefined, input: ConditionInput, generation: number, now = new Date()): Condition[] {
  const list = conditions ?? [];
  const previous = list.find((c) => c.type === input.type);
  const next: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: input.message,
    observedGeneration: generation,
    lastTransitionTime: previous && previous.status === input.status ? previous.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  return [...list.filter((c) => c.type !== input.type), next].sort((a, b) => a.type.localeCompare(b.type));
}

export function findCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isReady(object: { status?: { conditions?: Condition[]; observedGeneration?: number }; metadata?: { generation?: number } }): boolean {
  const ready = findCondition(object.status?.conditions, 'Ready');
  return ready?.status === 'True' && ready.observedGeneration === object.metadata?.generation;
}
