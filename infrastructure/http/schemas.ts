/**
 * JSON schemas of the HTTP API: fastify validates requests with the route schemas, and
 * /openapi.json is generated from the same objects. Command bodies are validated by the command
 * bus itself (exactly as for library callers); their schemas here describe them for clients.
 */

const str = { type: 'string', minLength: 1 } as const;
const int = { type: 'integer', minimum: 0 } as const;
const scene = { type: 'string', enum: ['p2p', 'team', 'superTeam'] } as const;
const position = { type: 'string', pattern: '^-?[0-9]+$', description: 'a log position (decimal)' } as const;

export const messageSchema = {
  type: 'object',
  required: ['scene', 'from', 'to', 'idClient', 'type', 'time'],
  properties: {
    scene, from: str, to: str, idClient: str, idServer: { type: 'string' }, type: str, text: { type: 'string' },
    time: { ...int, description: 'ms since epoch' }, isUnreadable: { type: 'boolean' }, custom: { type: 'string' },
  },
} as const;

export const sessionSchema = {
  type: 'object',
  required: ['id', 'scene', 'to', 'updateTime', 'unread'],
  properties: {
    id: str, scene, to: str, updateTime: { type: 'number' }, unread: int, lastMsg: messageSchema,
    msgReceiptTime: { type: 'number' }, localCustom: { type: 'string' },
  },
} as const;

const sessionRef = { type: 'object', required: ['scene', 'to'], properties: { scene, to: str } } as const;
const messages = { type: 'array', items: messageSchema } as const;

/** Each command's own fields; `account` and `device` come from the token unless it is an admin's. */
export const commandFields: Record<string, { summary: string; required: string[]; properties: Record<string, unknown> }> = {
  ReceiveMessage: { summary: 'S2.1 a message arrived online', required: ['message'], properties: { message: messageSchema } },
  SendMessage: { summary: 'S2.1 the account sent a message', required: ['message'], properties: { message: messageSchema } },
  SyncMessages: { summary: 'S3 a login sync with roaming and offline batches', required: [], properties: { roaming: messages, offline: messages } },
  SetCurrentSession: { summary: 'S4.2 open a session (its unread clears)', required: ['sessionId'], properties: { sessionId: str } },
  ResetSessionUnread: { summary: 'S4.3 mark a session read', required: ['sessionId'], properties: { sessionId: str } },
  ResetAllSessionUnread: { summary: 'S4.4 mark every session read', required: [], properties: {} },
  ResetCurrentSession: { summary: 'S4.5 leave the current session', required: [], properties: {} },
  InsertLocalSession: { summary: 'S7.1 add an empty session', required: ['scene', 'to'], properties: { scene, to: str, updateTime: int } },
  UpdateLocalSession: { summary: 'S7.2 set localCustom', required: ['id', 'localCustom'], properties: { id: str, localCustom: { type: 'string' } } },
  DeleteLocalSession: { summary: 'S7.3 delete on this device', required: ['id'], properties: { id: { oneOf: [str, { type: 'array', items: str }] } } },
  DeleteSession: { summary: 'S7.4 delete on every device', required: ['scene', 'to'], properties: { scene, to: str } },
  DeleteSessions: { summary: 'S7.4 delete several on every device', required: ['sessions'], properties: { sessions: { type: 'array', items: sessionRef } } },
  SendMsgReceipt: { summary: 'S5 tell the peer how far this account has read', required: ['msg'], properties: { msg: messageSchema } },
  RegisterDevice: { summary: 'S10.3 record a device view\'s options', required: [], properties: { db: { type: 'boolean' }, syncSessionUnread: { type: 'boolean' }, autoMarkRead: { type: 'boolean' } } },
};

export function commandBodySchema(name: string): Record<string, unknown> {
  const c = commandFields[name]!;
  return {
    type: 'object', required: c.required,
    properties: { ...c.properties, account: { ...str, description: 'admin tokens only; default: the token\'s sub' }, device: { ...str, description: 'default: the token\'s device' } },
  };
}

export const accountParams = { type: 'object', required: ['account'], properties: { account: str } } as const;
export const sessionParams = { type: 'object', required: ['account', 'sessionId'], properties: { account: str, sessionId: str } } as const;
export const commandParams = { type: 'object', required: ['command'], properties: { command: str } } as const;

const readQuery = { device: str, minPosition: position } as const;

export const listQuery = {
  type: 'object', additionalProperties: false,
  properties: { ...readQuery, limit: { type: 'integer', minimum: 1, maximum: 100 }, lastSessionId: str, reverse: { type: 'boolean' } },
} as const;
export const byTypeQuery = {
  type: 'object', additionalProperties: false,
  properties: { ...readQuery, limit: { type: 'integer', minimum: 1, maximum: 100 }, lastSessionId: str, exclude: { type: 'string', description: 'comma-separated message types' } },
} as const;
export const deviceQuery = { type: 'object', additionalProperties: false, properties: readQuery } as const;
export const historyQuery = { type: 'object', additionalProperties: false, properties: { minPosition: position } } as const;
export const sessionsAtQuery = { type: 'object', additionalProperties: false, required: ['at'], properties: { ...readQuery, at: { type: 'integer', description: 'ledger time in ms' } } } as const;
export const deviceOptions = {
  db: { type: 'boolean', description: 'S4 mode, as the device\'s SDK handle is opened (default true)' },
  syncSessionUnread: { type: 'boolean', description: 'S4 (default false)' },
  autoMarkRead: { type: 'boolean', description: 'S4 (default false)' },
} as const;
export const liveQuery = {
  type: 'object', additionalProperties: false,
  properties: { device: str, ...deviceOptions, access_token: { type: 'string', description: 'for EventSource, which cannot set headers' } },
} as const;

const withPosition = (properties: Record<string, unknown>, required: string[]) => ({ type: 'object', required: [...required, 'position'], properties: { ...properties, position } });

const historyEntry = { type: 'object', properties: { type: str, data: {}, metadata: { type: 'object', additionalProperties: true } } } as const;

export const responses = {
  sessions: withPosition({ sessions: { type: 'array', items: sessionSchema } }, ['sessions']),
  session: withPosition({ session: sessionSchema }, ['session']),
  unread: withPosition({ total: int }, ['total']),
  history: withPosition({ events: { type: 'array', items: historyEntry } }, ['events']),
  timeline: withPosition({ entries: { type: 'array', items: { ...historyEntry, properties: { ...historyEntry.properties, unread: int, visible: { type: 'boolean' } } } } }, ['entries']),
  command: withPosition({ result: {} }, ['result']),
  error: {
    type: 'object', required: ['error'],
    properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: str, message: str, fields: { type: 'array' } } } },
  },
} as const;
