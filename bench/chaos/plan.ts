/**
 * The phases of a chaos run, scaled to its length: steady load, then a fault
 * in each demo service in turn (each followed by a short recovery window),
 * Redis killed and restarted (when the run started its own), and SIGTERM.
 */
import { SERVICE_NAMES, type ServiceName } from '../../clients/errors.js';
import type { FaultMode } from '../../src/demo/faults.js';

export type PhaseKind = 'steady' | 'fault' | 'recover' | 'redis-down' | 'redis-back' | 'sigterm';

export interface Phase {
  name: string;
  kind: PhaseKind;
  /** Seconds of load in this phase (the SIGTERM phase lasts until the gateway exits). */
  seconds: number;
  service?: ServiceName;
  mode?: FaultMode;
}

/** Each service gets the fault that hurts it most plausibly; every mode is used. */
const FAULTS: Record<ServiceName, FaultMode> = {
  users: 'garbage',
  orders: 'error',
  products: 'hang',
  inventory: 'reset',
  reviews: 'hang',
  pricing: 'error',
  notifications: 'garbage',
};

/** Shares at 90 s: steady 8, each service 6 + 3 of recovery (63), Redis 8 + 6, about 5 for SIGTERM. */
export function planPhases(totalSeconds: number, withRedis: boolean): Phase[] {
  const scale = totalSeconds / 90;
  const s = (seconds: number) => Math.max(1, Math.round(seconds * scale * 10) / 10);
  const phases: Phase[] = [{ name: 'steady', kind: 'steady', seconds: s(8) }];
  for (const service of SERVICE_NAMES) {
    phases.push({ name: `${service} ${FAULTS[service]}`, kind: 'fault', seconds: s(6), service, mode: FAULTS[service] });
    phases.push({ name: `${service} recovered`, kind: 'recover', seconds: s(3), service });
  }
  if (withRedis) {
    phases.push({ name: 'redis killed', kind: 'redis-down', seconds: s(8) });
    phases.push({ name: 'redis restarted', kind: 'redis-back', seconds: s(6) });
  }
  phases.push({ name: 'SIGTERM', kind: 'sigterm', seconds: 0 });
  return phases;
}
