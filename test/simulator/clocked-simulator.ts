import { beforeEach } from 'vitest';
import { createSimulator, type Simulator, type SimulatorOptions } from '../../simulator/index.ts';
import { simClient, type SimClient } from '../../simulator/testing.ts';

const quiet = { info: () => undefined, warn: () => undefined };

/** A simulator and a company in it on a clock the test moves by hand (`t.now += 60_000`). */
export interface ClockedSimulator {
  now: number;
  sim: Simulator;
  qbo: SimClient;
  /** Replaces the simulator and company with fresh ones built with these options, on the same clock. */
  restart(options?: SimulatorOptions): void;
}

/**
 * Registers a `beforeEach` that starts every test on a fresh simulator and company at 2026-03-02T17:00Z. The fields
 * are replaced before each test, so read them inside tests and helpers, never at collection time.
 */
export function useClockedSimulator(): ClockedSimulator {
  const t = {
    now: 0,
    restart(options: SimulatorOptions = {}) {
      t.sim = createSimulator({ logger: quiet, clock: () => t.now, ...options });
      t.qbo = simClient(t.sim, t.sim.createCompany());
    },
  } as ClockedSimulator;
  beforeEach(() => {
    t.now = Date.parse('2026-03-02T17:00:00Z');
    t.restart();
  });
  return t;
}
