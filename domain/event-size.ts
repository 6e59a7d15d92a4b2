import { SCENES } from './message.js';

/**
 * Issue 9: no event the ledger records may outgrow what a store takes in one append. EventStoreDB
 * refuses an append over 1 MiB by default (its MaxAppendSize, counting each event's data and
 * metadata bytes and twice its type's length); the ledger keeps to that on every store, so a
 * history that fits one store fits all of them.
 */

/**
 * The longest text a command may give for a message's `text` or `custom`, or a session's
 * `localCustom`, in UTF-16 units (JavaScript's length): 65,536, at most 192 KiB in UTF-8, so a
 * message event stays well inside one append. Longer input is refused naming the field (S10.1).
 */
export const MAX_TEXT_LENGTH = 65_536;

/**
 * The longest id a command may give (an account, device, peer or team, a message's `from`, `to`,
 * `idClient`, `idServer` or `type`, a dispatch option's `commandId`, `correlationId` or
 * `causationId`), in UTF-16 units (JavaScript's length): 1,024. Real ids are far below it: a NIM
 * account id is at most 32 characters and an `idClient` is a UUID (36). The bound is there so a
 * command's ids leave its events well inside one append: at most 6 KiB per id as JSON (every unit
 * an escape), and the twelve ids a MessageReceived carries in its data and metadata about 72 KiB,
 * beside texts of at most 65,536 units: with every id and both texts at their limits, all 6-byte
 * escapes, it takes 860,603 of the 1,048,576 bytes (test/api/s10-1-id-length.test.ts). Longer
 * input is refused naming the field (S10.1).
 */
export const MAX_ID_LENGTH = 1_024;

/**
 * The longest session id (`sessionId`, a local session's `id`): the longest scene prefix
 * (`superTeam-`) before an id of MAX_ID_LENGTH, so every session a command can make can be named.
 */
export const MAX_SESSION_ID_LENGTH = Math.max(...SCENES.map((scene) => scene.length)) + '-'.length + MAX_ID_LENGTH;

/** EventStoreDB's default MaxAppendSize, in bytes: no append the ledger makes is larger */
export const MAX_APPEND_BYTES = 1_048_576;

/**
 * What the ids of one list-carrying event (an offline batch's message keys, a reset of all
 * sessions' ids) may take: a longer list is recorded in several events, each well inside one append.
 */
export const LIST_EVENT_BYTES = 256 * 1024;

/** The bytes `text` takes as a JSON string in UTF-8 (an upper bound: every escape counted at its longest). */
export function jsonStringBytes(text: string): number {
  let bytes = 2;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x20) bytes += 6;
    else if (unit === 0x22 || unit === 0x5c) bytes += 2;
    else if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdfff) bytes += 2; // half of a pair's 4 bytes; a lone one is refused by validation
    else bytes += 3;
  }
  return bytes;
}

/**
 * `items` in consecutive runs, in order, each of total size (`sizeOf`, plus `overhead` per run) at
 * most `budget`; an item larger than the budget alone is a run of its own. Nothing: no run.
 */
export function runsWithin<T>(items: readonly T[], sizeOf: (item: T, index: number) => number, budget: number, overhead = 0): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let bytes = overhead;
  items.forEach((item, index) => {
    const size = sizeOf(item, index);
    if (run.length > 0 && bytes + size > budget) {
      runs.push(run);
      run = [];
      bytes = overhead;
    }
    run.push(item);
    bytes += size;
  });
  if (run.length > 0) runs.push(run);
  return runs;
}

/** `items` in consecutive parts, each taking at most `budget` bytes as a JSON array of strings. */
export function partsBySize(items: readonly string[], budget = LIST_EVENT_BYTES): string[][] {
  return runsWithin(items, (item) => jsonStringBytes(item) + 1, budget, 2);
}
