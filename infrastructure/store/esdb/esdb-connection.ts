import { EventStoreDBClient } from '@eventstore/db-client';

/**
 * One EventStoreDBClient per connection string, shared by every store opened with it and disposed
 * with the last one. Besides saving connections this matters for correctness: the client keeps its
 * pending BatchAppend promises in one module-wide table, and disposing one client rejects the
 * pending appends of every other client in the process.
 */
export interface ClientLease {
  readonly client: EventStoreDBClient;
  /** host:port list, without credentials, for error messages */
  readonly endpoint: string;
  /** the connection string's `defaultDeadline` (ms), if it sets one */
  readonly defaultDeadline: number | undefined;
  release(): Promise<void>;
}

const shared = new Map<string, { client: EventStoreDBClient; users: number }>();

export function leaseClient(connectionString: string): ClientLease {
  let entry = shared.get(connectionString);
  if (!entry) {
    let client: EventStoreDBClient;
    try {
      client = EventStoreDBClient.connectionString(connectionString);
    } catch (error) {
      throw new TypeError(
        `${redact(connectionString)} is not a valid EventStoreDB connection string (${error instanceof Error ? error.message.split('\n')[0] : String(error)}): write it as esdb://host:2113?tls=false`,
      );
    }
    entry = { client, users: 0 };
    shared.set(connectionString, entry);
  }
  entry.users += 1;
  const leased = entry;
  let released = false;
  return {
    client: leased.client,
    endpoint: endpointOf(connectionString),
    defaultDeadline: searchParam(connectionString, 'defaultdeadline'),
    async release() {
      if (released) return;
      released = true;
      leased.users -= 1;
      if (leased.users > 0) return;
      if (shared.get(connectionString) === leased) shared.delete(connectionString);
      await leased.client.dispose();
    },
  };
}

function endpointOf(connectionString: string): string {
  const withoutScheme = connectionString.trim().replace(/^[a-z+]+:\/\//i, '');
  const withoutCredentials = withoutScheme.replace(/^[^@/?]*@/, '');
  return withoutCredentials.split(/[/?]/)[0] || connectionString;
}

function redact(connectionString: string): string {
  return JSON.stringify(connectionString.replace(/\/\/[^@/?]*@/, '//***@'));
}

/** the client accepts option keys in any case, with or without `-` and `_` */
function searchParam(connectionString: string, flatKey: string): number | undefined {
  const query = connectionString.split('?')[1];
  if (!query) return undefined;
  for (const pair of query.split('&')) {
    const [key = '', value = ''] = pair.split('=');
    if (key.trim().toLowerCase().replace(/[_-]/g, '') !== flatKey) continue;
    const parsed = Number.parseInt(value, 10);
    return Number.isFinite(parsed) && parsed > 0 ? parsed : undefined;
  }
  return undefined;
}
