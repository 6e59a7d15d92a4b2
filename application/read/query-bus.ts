import type { Session } from '../../projections/session-list/model.js';
import { UnknownCursorError, type SessionListReader } from '../../projections/session-list/reader.js';
import { deviceOf } from '../write/commands/device-fields.js';
import { UnknownSessionCursorError } from '../errors.js';
import { GetLocalSession, GetLocalSessions, GetLocalSessionsByMsgType, GetTotalUnread } from './session-queries.js';
import { assertValid } from '../validation.js';

export type AnyQuery = GetLocalSessions | GetLocalSession | GetLocalSessionsByMsgType | GetTotalUnread;

type ResultOf<Q> =
  Q extends GetLocalSessions | GetLocalSessionsByMsgType ? { sessions: Session[] } :
  Q extends GetLocalSession ? Session | null :
  Q extends GetTotalUnread ? number :
  never;

/** S6.1: default 100, clamped to 1..100. */
function clampLimit(limit: number | undefined): number {
  return Math.min(100, Math.max(1, limit ?? 100));
}

function rethrowCursor(error: unknown): never {
  if (error instanceof UnknownCursorError) throw new UnknownSessionCursorError(error.message);
  throw error;
}

/** Reads the read models; a query sees every command that resolved before it (S10.5). */
export class QueryBus {
  constructor(
    private readonly read: () => SessionListReader,
    /** loads the account's read models first (tables shared by processes); returns the release */
    private readonly use?: (account: string) => Promise<() => void>,
  ) {}

  async execute<Q extends AnyQuery>(query: Q): Promise<ResultOf<Q>> {
    assertValid(query);
    const release = await this.use?.(query.account);
    try {
      return this.answer(query);
    } finally {
      release?.();
    }
  }

  private answer<Q extends AnyQuery>(query: Q): ResultOf<Q> {
    const read = this.read();
    const device = deviceOf(query);
    try {
      if (query instanceof GetLocalSessions) {
        const page = { limit: clampLimit(query.limit), reverse: query.reverse ?? false, ...(query.lastSessionId !== undefined && { lastSessionId: query.lastSessionId }) };
        return { sessions: read.listSessions(query.account, device, page) } as ResultOf<Q>;
      }
      if (query instanceof GetLocalSession) return read.getSession(query.account, device, query.sessionId) as ResultOf<Q>;
      if (query instanceof GetLocalSessionsByMsgType) {
        const options = { exclude: query.exclude, limit: clampLimit(query.limit), ...(query.lastSessionId !== undefined && { lastSessionId: query.lastSessionId }) };
        return { sessions: read.listByMessageType(query.account, device, options) } as ResultOf<Q>;
      }
      if (query instanceof GetTotalUnread) return read.totalUnread(query.account, device) as ResultOf<Q>;
    } catch (error) {
      rethrowCursor(error);
    }
    throw new TypeError(`execute takes a query instance such as new GetLocalSessions({...}); got ${(query as object)?.constructor?.name ?? typeof query}`);
  }
}
