import { Observable, Subject, type Subscription } from 'rxjs';
import { v4 as uuidv4 } from 'uuid';
import { DEFAULT_DEVICE_OPTIONS } from '../../domain/events.js';
import { isOutgoing, type Message } from '../../domain/message.js';
import { SessionRef } from '../../domain/session-ref.js';
import type { CommandChange } from '../read/event-log.js';
import type { Session } from '../../projections/session-list/model.js';
import type { SessionListReader } from '../../projections/session-list/reader.js';
import type { Logger } from '../ports/logger.js';
import type { CommandBus } from '../write/command-bus.js';
import * as C from '../write/commands/index.js';
import { ViewClosedError } from '../errors.js';
import { guard, settle, type Done } from './done-callback.js';
import { doneOf, methodOptions } from '../validation.js';
import type { QueryBus } from '../read/query-bus.js';
import type { ViewChangeRouter } from '../read/view-router.js';
import { GetLocalSession, GetLocalSessions, GetLocalSessionsByMsgType, GetTotalUnread } from '../read/session-queries.js';

export interface DeviceViewOptions {
  /** default 'default' */
  readonly device?: string;
  /** S4: default true */
  readonly db?: boolean;
  /** S4: default false */
  readonly syncSessionUnread?: boolean;
  /** S4: default false */
  readonly autoMarkRead?: boolean;
  /** S9: the seed's callback for `sessions$` */
  readonly onsessions?: (sessions: Session[]) => void;
  /** S9: the seed's callback for `updates$` */
  readonly onupdatesession?: (session: Session) => void;
}

type WithDone<T, R> = T & { done?: Done<R> };

/** What a device view is made of. */
export interface DeviceViewParts {
  readonly account: string;
  readonly options: DeviceViewOptions;
  readonly commands: CommandBus;
  readonly queries: QueryBus;
  /** the read models as they are now */
  readonly reader: () => SessionListReader;
  readonly router: ViewChangeRouter;
  readonly logger: Logger;
  /** throws LedgerClosedError once the ledger was closed: isMsgRemoteRead reads the models directly */
  readonly assertOpen?: () => void;
}

const MODE_OPTIONS = ['db', 'syncSessionUnread', 'autoMarkRead'] as const;

/** S3.3: how many sessions a new view's first `onsessions` carries. */
const INITIAL_SESSIONS = 100;

/**
 * One account as seen by one device: the NIM Web SDK's recent-session methods over the command
 * and query buses. Every method returns a Promise and honours an optional `done` (S9).
 */
export class DeviceView {
  readonly device: string;
  /** S9 / S3: the seed's `onsessions`, arrays ascending by updateTime */
  readonly sessions$: Observable<Session[]>;
  /** S9 / S2.1: the seed's `onupdatesession`, one session each */
  readonly updates$: Observable<Session>;
  /**
   * The ids of sessions that left this view's list (S7.3, S7.4 deletes; S7.7 a sync that forgot a
   * local insert), which the seed's callbacks do not tell: the HTTP live feed's `removed` events
   */
  readonly removed$: Observable<string>;
  /** resolves when the device is registered and its first `onsessions` was delivered */
  readonly ready: Promise<void>;

  private readonly sessionsSubject = new Subject<Session[]>();
  private readonly updatesSubject = new Subject<Session>();
  private readonly removedSubject = new Subject<string>();
  private readonly syncing = new Map<string, Set<string>>();
  private readonly subscriptions: Subscription[] = [];
  private readonly stopListening: () => void;
  readonly account: string;
  private readonly options: DeviceViewOptions;
  private readonly commands: CommandBus;
  private readonly queries: QueryBus;
  private readonly reader: () => SessionListReader;
  private readonly logger: Logger;
  private readonly assertOpen: () => void;

  constructor({ account, options, commands, queries, reader, router, logger, assertOpen }: DeviceViewParts) {
    this.assertOpen = assertOpen ?? (() => undefined);
    this.account = account;
    this.options = options;
    this.commands = commands;
    this.queries = queries;
    this.reader = reader;
    this.device = options.device ?? 'default';
    this.logger = logger;
    this.sessions$ = this.sessionsSubject.asObservable();
    this.updates$ = this.updatesSubject.asObservable();
    this.removed$ = this.removedSubject.asObservable();
    if (options.onsessions) this.subscriptions.push(this.sessions$.subscribe(guard(options.onsessions, logger)));
    if (options.onupdatesession) this.subscriptions.push(this.updates$.subscribe(guard(options.onupdatesession, logger)));
    this.stopListening = router.listen(account, this.device, (changes) => this.onChanges(changes));
    const registration: C.RegisterDevice = new C.RegisterDevice({
      account, device: this.device,
      ...(options.db !== undefined && { db: options.db }),
      ...(options.syncSessionUnread !== undefined && { syncSessionUnread: options.syncSessionUnread }),
      ...(options.autoMarkRead !== undefined && { autoMarkRead: options.autoMarkRead }),
    });
    // Deferred a tick so subscribers added right after ledger.account() receive the first list.
    this.ready = Promise.resolve().then(async () => {
      await this.commands.dispatch(registration);
      // S4.2: a view opening for the device ends any current session a crashed process left recorded.
      await this.commands.dispatch(new C.ResetCurrentSession({ account, device: this.device }));
      const recent = this.reader().allSessions(account, this.device).slice(0, INITIAL_SESSIONS).reverse();
      if (recent.length > 0) this.sessionsSubject.next(recent);
    });
    this.ready.catch(() => undefined); // surfaced by every method, which awaits it
  }

  /**
   * Whether a call with `options` may share this view: no callbacks, and the same mode options,
   * those left out taking the seed's defaults (S4: each handle chooses its mode by its own options).
   */
  sameOptions(options: DeviceViewOptions): boolean {
    if (options.onsessions || options.onupdatesession) return false;
    return MODE_OPTIONS.every((k) => (options[k] ?? DEFAULT_DEVICE_OPTIONS[k]) === (this.options[k] ?? DEFAULT_DEVICE_OPTIONS[k]));
  }

  private onChanges(changes: readonly CommandChange[]): void {
    const one = changes.length === 1 ? changes[0]! : undefined;
    if (one && !one.removed && (one.commandId === undefined || !this.syncing.has(one.commandId))) {
      // one session updated (most commands): no sets built for it
      const session = this.reader().getSession(this.account, this.device, one.sessionId);
      if (session) this.updatesSubject.next(session);
      return;
    }
    const updated = new Set<string>();
    const removed = new Set<string>();
    for (const change of changes) {
      const sync = change.commandId !== undefined ? this.syncing.get(change.commandId) : undefined;
      if (change.removed) removed.add(change.sessionId);
      else if (sync) sync.add(change.sessionId);
      else updated.add(change.sessionId);
    }
    for (const id of updated) {
      const session = this.reader().getSession(this.account, this.device, id);
      if (session) this.updatesSubject.next(session);
    }
    // the read model is ahead of this batch when a later one revived the session: then it was not removed
    for (const id of removed) if (!this.reader().getSession(this.account, this.device, id)) this.removedSubject.next(id);
  }

  /** Honours `done` too (S9); a `done` that throws is reported to the logger. */
  private settle<T>(promise: Promise<T>, done: Done<T> | undefined): Promise<T> {
    return settle(promise, done, this.logger);
  }

  private async run<T>(work: () => Promise<T>): Promise<T> {
    this.assertOpen(); // a closed ledger (which closes its views) says so first
    if (this.isClosed) throw new ViewClosedError(this.account, this.device);
    // always a turn first: a method never runs the command (nor a subscriber's callback) before it returns
    await this.ready;
    return work();
  }

  private base() {
    return { account: this.account, device: this.device };
  }

  receiveMessage(msg: Message, options?: { done?: Done<Session | null> }): Promise<Session | null> {
    return this.settle(this.run(() => this.commands.dispatch(new C.ReceiveMessage({ ...this.base(), message: msg }))), doneOf(options));
  }

  sendMessage(msg: Message, options?: { done?: Done<Session | null> }): Promise<Session | null> {
    return this.settle(this.run(() => this.commands.dispatch(new C.SendMessage({ ...this.base(), message: msg }))), doneOf(options));
  }

  /** S3.1: one `onsessions` with the changed sessions, ascending by updateTime; resolves them. */
  syncMessages(options: WithDone<{ roaming?: Message[]; offline?: Message[] }, Session[]> = {}): Promise<Session[]> {
    return this.settle(this.run(async () => {
      const { roaming, offline } = methodOptions('syncMessages', options);
      const commandId = uuidv4();
      const changed = new Set<string>();
      this.syncing.set(commandId, changed);
      try {
        await this.commands.dispatch(new C.SyncMessages({ ...this.base(), ...(roaming !== undefined && { roaming }), ...(offline !== undefined && { offline }) }), { commandId });
      } finally {
        this.syncing.delete(commandId);
      }
      const sessions = [...changed]
        .map((id) => this.reader().getSession(this.account, this.device, id))
        .filter((s): s is Session => s !== null)
        .sort((a, b) => a.updateTime - b.updateTime || (a.id < b.id ? -1 : 1));
      if (sessions.length > 0) this.sessionsSubject.next(sessions);
      return sessions;
    }), doneOf(options));
  }

  setCurrSession(sessionId: string, done?: Done<Session | null>): Promise<Session | null> {
    return this.settle(this.run(() => this.commands.dispatch(new C.SetCurrentSession({ ...this.base(), sessionId }))), done);
  }

  resetSessionUnread(sessionId: string, done?: Done<Session | null>): Promise<Session | null> {
    return this.settle(this.run(() => this.commands.dispatch(new C.ResetSessionUnread({ ...this.base(), sessionId }))), done);
  }

  resetAllSessionUnread(done?: Done<string[]>): Promise<string[]> {
    return this.settle(this.run(() => this.commands.dispatch(new C.ResetAllSessionUnread(this.base()))), done);
  }

  resetCurrSession(done?: Done<void>): Promise<void> {
    return this.settle(this.run(async () => { await this.commands.dispatch(new C.ResetCurrentSession(this.base())); }), done);
  }

  getLocalSessions(options: WithDone<{ lastSessionId?: string; limit?: number; reverse?: boolean }, { sessions: Session[] }> = {}): Promise<{ sessions: Session[] }> {
    return this.settle(this.run(() => this.queries.execute(new GetLocalSessions({ ...this.base(), ...methodOptions('getLocalSessions', options) }))), doneOf(options));
  }

  getLocalSession(options: WithDone<{ sessionId: string }, Session | null>): Promise<Session | null> {
    return this.settle(this.run(() => this.queries.execute(new GetLocalSession({ ...this.base(), ...methodOptions('getLocalSession', options) }))), doneOf(options));
  }

  getLocalSessionsByMsgType(options: WithDone<{ exclude: string[]; limit?: number; lastSessionId?: string }, { sessions: Session[] }>): Promise<{ sessions: Session[] }> {
    return this.settle(this.run(() => this.queries.execute(new GetLocalSessionsByMsgType({ ...this.base(), ...methodOptions('getLocalSessionsByMsgType', options) }))), doneOf(options));
  }

  insertLocalSession(options: WithDone<{ scene: Message['scene']; to: string; updateTime?: number }, { session: Session }>): Promise<{ session: Session }> {
    return this.settle(this.run(() => this.commands.dispatch(new C.InsertLocalSession({ ...this.base(), ...methodOptions('insertLocalSession', options) }))), doneOf(options));
  }

  /** S7.2: only `localCustom` is taken; other fields are ignored. */
  updateLocalSession(options: WithDone<{ id: string; localCustom: string; [other: string]: unknown }, Session | null>): Promise<Session | null> {
    return this.settle(this.run(() => {
      const { id, localCustom } = methodOptions('updateLocalSession', options) as { id: string; localCustom: string };
      return this.commands.dispatch(new C.UpdateLocalSession({ ...this.base(), id, localCustom }));
    }), doneOf(options));
  }

  deleteLocalSession(options: WithDone<{ id: string | string[] }, void>): Promise<void> {
    return this.settle(this.run(async () => { await this.commands.dispatch(new C.DeleteLocalSession({ ...this.base(), ...methodOptions('deleteLocalSession', options) })); }), doneOf(options));
  }

  deleteSession(options: WithDone<{ scene: Message['scene']; to: string }, void>): Promise<void> {
    return this.settle(this.run(async () => { await this.commands.dispatch(new C.DeleteSession({ ...this.base(), ...methodOptions('deleteSession', options) })); }), doneOf(options));
  }

  deleteSessions(options: WithDone<{ sessions: { scene: Message['scene']; to: string }[] }, void>): Promise<void> {
    return this.settle(this.run(async () => { await this.commands.dispatch(new C.DeleteSessions({ ...this.base(), ...methodOptions('deleteSessions', options) })); }), doneOf(options));
  }

  sendMsgReceipt(options: WithDone<{ msg: Message }, boolean>): Promise<boolean> {
    return this.settle(this.run(() => this.commands.dispatch(new C.SendMsgReceipt({ ...this.base(), ...methodOptions('sendMsgReceipt', options) }))), doneOf(options));
  }

  /** S5.3: true iff the message is outgoing and the peer's receipt covers its time; LedgerClosedError once the ledger closed. */
  isMsgRemoteRead(msg: Message): boolean {
    this.assertOpen();
    if (!msg || msg.scene !== 'p2p' || typeof msg.to !== 'string' || typeof msg.time !== 'number' || !isOutgoing(this.account, msg)) return false;
    const receipt = this.reader().msgReceiptTime(this.account, SessionRef.fromMessage(this.account, msg).id);
    return receipt !== undefined && msg.time <= receipt;
  }

  getTotalUnread(done?: Done<number>): Promise<number> {
    return this.settle(this.run(() => this.queries.execute(new GetTotalUnread(this.base()))), done);
  }

  private isClosed = false;

  get closed(): boolean {
    return this.isClosed;
  }

  private ending: Promise<void> | undefined;

  /** S4.2: the device's current session ends with its view (recorded as CurrentSessionCleared); never rejects. */
  endCurrentSession(): Promise<void> {
    this.ending ??= this.ready.then(() => this.commands.dispatch(new C.ResetCurrentSession(this.base()))).then(() => undefined, () => undefined);
    return this.ending;
  }

  /**
   * Completes `sessions$` and `updates$` and stops delivery to this view; the ledger keeps every
   * event. The device's current session ends (S4.2): the promise resolves once that is recorded.
   */
  close(): Promise<void> {
    const ended = this.endCurrentSession();
    if (this.isClosed) return ended;
    this.isClosed = true;
    this.stopListening();
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    this.sessionsSubject.complete();
    this.updatesSubject.complete();
    this.removedSubject.complete();
    return ended;
  }
}
