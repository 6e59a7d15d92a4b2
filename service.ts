// The HTTP service as a library (`import { createService } from 'session-ledger/service'`): the
// routes, live updates, auth and inbox that `session-ledger serve` runs (README, "The HTTP service").
export { createService, openServiceLedger, type Service, type ServiceOptions } from './infrastructure/http/server.js';
export { signToken, verifyToken, authFromEnvironment, AuthError, type AuthSettings, type Principal } from './infrastructure/http/auth.js';
export { jsonLogger } from './infrastructure/http/logger.js';
