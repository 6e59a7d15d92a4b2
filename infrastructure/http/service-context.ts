import type { FastifyRequest } from 'fastify';
import type { Ledger } from '../../application/api/ledger.js';
import type { Logger } from './logger.js';
import type { LiveFeeds } from './live-feed.js';
import type { ServiceMetrics } from './metrics.js';
import type { RouteDef } from './openapi.js';

/** What every route module is given. */
export interface ServiceContext {
  readonly ledger: Ledger;
  readonly secret: string;
  readonly metrics: ServiceMetrics;
  readonly live: LiveFeeds;
  readonly logger: Logger;
  readonly docs: RouteDef[];
  /** how long a read waits for `minPosition` before answering 409 */
  readonly minPositionWaitMs: number;
  /** ends a request's span and counts it; onResponse does this, a hijacked reply must itself */
  readonly finishRequest: (req: FastifyRequest, status: number) => void;
}
