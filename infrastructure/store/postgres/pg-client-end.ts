import type pg from 'pg';

/**
 * Ends a connection of its own (a listener's, a lease's): the server ends the session; one that no
 * longer answers (a partition) within `timeoutMs` gets its socket dropped instead.
 */
export async function endClient(client: pg.Client, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
  const ended = client.end().then(() => false, () => false);
  if (await Promise.race([ended, gaveUp])) (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  clearTimeout(timer);
}
