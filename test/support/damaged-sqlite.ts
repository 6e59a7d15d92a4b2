import { randomUUID } from 'node:crypto';
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { SqliteEventStore } from '../../infrastructure/store/sqlite/sqlite-store.js';

const anEvent = (n: number) => ({ id: randomUUID(), type: 'Thing', data: { n, text: `event number ${n} `.repeat(8) }, metadata: { n } });

/** A closed store file with `count` events over a few streams (several pages of the events table). */
export async function storeWith(path: string, count: number): Promise<void> {
  const store = SqliteEventStore.open(path);
  for (let i = 0; i < count; i += 100) await Promise.all(Array.from({ length: 100 }, (_, k) => store.appendToStream(`s-${(i + k) % 5}`, [anEvent(i + k)])));
  await store.close();
}

/** Garbage over three pages in the middle of the file (the events table's b-tree). */
export function damagePages(path: string): void {
  const pages = statSync(path).size / 4096;
  const fd = openSync(path, 'r+');
  try {
    for (let page = Math.floor(pages / 3); page < Math.floor(pages / 3) + 3; page++) writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, page * 4096);
  } finally {
    closeSync(fd);
  }
}
