import { DEFAULT_DEVICE_OPTIONS, unreadModeOf, type DeviceOptions, type UnreadMode } from '../../domain/events.js';
import type { Message } from '../../domain/message.js';
import { SessionRef } from '../../domain/session-ref.js';
import {
  appended, isVisible, latestOfType, newAccountModel, newDeviceModel, newDeviceSessionModel, newSessionModel, viewUpdateTime,
  type AccountModel, type DeviceModel, type DeviceSessionModel, type SessionModel,
} from './model.js';
import { OrderedIndex } from './ordered-index.js';
import { recount } from './unread.js';

/** View upkeep: the models' entries made on first use, unread counters and the ordered indexes kept in step. */
export class ViewUpkeep {
  constructor(readonly accounts: Map<string, AccountModel>) {}

  account(id: string): AccountModel {
    let account = this.accounts.get(id);
    if (!account) this.accounts.set(id, (account = newAccountModel(id)));
    return account;
  }

  session(account: AccountModel, sessionId: string): SessionModel {
    let session = account.sessions.get(sessionId);
    if (!session) {
      const ref = SessionRef.fromId(account.id, sessionId);
      if (!ref) throw new Error(`not a session id: ${sessionId}`);
      account.sessions.set(sessionId, (session = newSessionModel(sessionId, ref.scene, ref.to)));
    }
    return session;
  }

  /** An event may name a device that was never registered: it gets the default options (mode B). */
  device(account: AccountModel, id: string): DeviceModel {
    return account.devices.get(id) ?? this.addDevice(account, id, unreadModeOf(DEFAULT_DEVICE_OPTIONS), DEFAULT_DEVICE_OPTIONS);
  }

  addDevice(account: AccountModel, id: string, mode: UnreadMode, options: DeviceOptions): DeviceModel {
    const device = newDeviceModel(id, mode, options);
    account.devices.set(id, device);
    this.recountDevice(device, account);
    return device;
  }

  view(device: DeviceModel, sessionId: string): DeviceSessionModel {
    let view = device.views.get(sessionId);
    if (!view) device.views.set(sessionId, (view = newDeviceSessionModel()));
    return view;
  }

  recountDevice(device: DeviceModel, account: AccountModel): void {
    for (const session of account.sessions.values()) {
      const view = this.view(device, session.id);
      const visible = isVisible(session, view);
      this.setUnread(device, view, visible ? recount(device, session, view) : 0);
      this.reindex(device, session, view, visible);
    }
  }

  /** Recounts the view's unread from the facts (0 while it is not visible). */
  recount(device: DeviceModel, session: SessionModel, view: DeviceSessionModel): void {
    this.setUnread(device, view, isVisible(session, view) ? recount(device, session, view) : 0);
  }

  setUnread(device: DeviceModel, view: DeviceSessionModel, unread: number): void {
    device.totalUnread += unread - view.unread;
    view.unread = unread;
  }

  reindex(device: DeviceModel, session: SessionModel, view: DeviceSessionModel, visible: boolean): void {
    const updateTime = viewUpdateTime(session, view);
    if (view.indexedAt !== undefined && (!visible || view.indexedAt !== updateTime)) {
      device.index.remove({ updateTime: view.indexedAt, id: session.id });
      view.indexedAt = undefined;
    }
    if (visible && view.indexedAt === undefined) {
      device.index.insert({ updateTime, id: session.id });
      view.indexedAt = updateTime;
    }
  }

  /** S2.2 and S6.3: the session's last message overall and per type, with the type index. */
  noteMessage(account: AccountModel, session: SessionModel, message: Message, seq: number): void {
    if (!session.lastMsg || message.time >= session.lastMsg.time) {
      session.lastMsg = message;
      session.updateTime = message.time;
      account.maxUpdateTime = Math.max(account.maxUpdateTime, message.time);
    }
    const sameType = latestOfType(session, message.type);
    if (sameType && message.time < sameType.message.time) return;
    let index = account.byType.get(message.type);
    if (!index) account.byType.set(message.type, (index = new OrderedIndex()));
    if (sameType) {
      index.remove({ updateTime: sameType.message.time, id: session.id });
      sameType.message = message;
      sameType.seq = seq;
    } else {
      session.lastByType = appended(session.lastByType, { type: message.type, message, seq });
    }
    index.insert({ updateTime: message.time, id: session.id });
  }
}
