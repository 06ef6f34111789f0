import type { Engine } from './engine.ts';
import type { FaultRegistry } from './faults.ts';
import type { OAuthService } from './oauth.ts';
import type { ReplayCache } from './replay.ts';
import type { CompanyState, SimState } from './store.ts';
import type { Meter } from './throttle.ts';
import type { CompanyCredentials, CreateCompanyOptions, ResolvedOptions, SimulatorLogger } from './types.ts';
import type { WebhookNotifier } from './webhooks.ts';

/** Everything the route modules share; built once per simulator in index.ts. */
export interface SimContext {
  opts: ResolvedOptions;
  now: () => number;
  state: () => SimState;
  engine: Engine;
  oauth: OAuthService;
  faults: FaultRegistry;
  meter: Meter;
  replay: ReplayCache;
  webhooks: WebhookNotifier;
  logger: SimulatorLogger;
  /** Marks state dirty for the debounced snapshot. */
  changed: () => void;
  /** Cancels requests held open by timeout faults (on close). */
  hangs: Set<() => void>;
  createCompany: (opts?: CreateCompanyOptions) => CompanyCredentials;
  company: (realmId: string) => CompanyState | undefined;
}
