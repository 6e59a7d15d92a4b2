import type { Message, Session } from '../../index.js';
import { table, timesOf, truncate } from './terminal.js';

/** A message in one short line, as chat lists show it: `bob: hi`, `bob: [image]`. */
export function messageLine(msg: Pick<Message, 'from' | 'type' | 'text'>): string {
  return `${msg.from}: ${msg.type === 'text' ? msg.text ?? '' : `[${msg.type}]`}`;
}

function lastMessage(s: Session): string {
  return s.lastMsg ? messageLine(s.lastMsg) : '(empty)';
}

/** A device view's list as a table; the last message is the column that gives way when narrow. */
export function printSessions(account: string, device: string, sessions: readonly Session[], total: number): void {
  const time = timesOf(sessions.flatMap((s) => [s.updateTime, s.msgReceiptTime]));
  console.log(`\n${account} on device ${device}: ${sessions.length} session(s) shown, ${total} unread in all${time.day ? `\n(times UTC, on ${time.day})` : ''}\n`);
  console.log(table(['session', 'unread', time.day ? 'updateTime' : 'updateTime (UTC)', 'lastMsg', 'read by peer up to'], sessions.map((s) => [
    s.id, String(s.unread), time.format(s.updateTime), truncate(lastMessage(s), 40), time.format(s.msgReceiptTime),
  ]), { rigid: [1, 2, 4] }));
}
