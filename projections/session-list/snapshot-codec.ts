import { newAccountModel, newDeviceSessionModel, newSessionModel, type AccountModel, type DeviceModel, type DeviceSessionModel } from './model.js';
import { OrderedIndex } from './ordered-index.js';

/** Bump when the read-model shape changes: older snapshots are then ignored and rebuilt from 0. */
export const SNAPSHOT_VERSION = 6;

/** The read models as JSON, tagged with SNAPSHOT_VERSION. */
export function encodeSnapshot(accounts: ReadonlyMap<string, AccountModel>): unknown {
  return {
    version: SNAPSHOT_VERSION,
    accounts: [...accounts.values()].map((a) => ({
      id: a.id,
      maxUpdateTime: Number.isFinite(a.maxUpdateTime) ? a.maxUpdateTime : null,
      sessions: [...a.sessions.values()].map((s) => ({ ...s, lastByType: [...s.lastByType] })),
      devices: [...a.devices.values()].map((d) => ({
        id: d.id, mode: d.mode, options: d.options, epochSeq: d.epochSeq, login: d.login, syncSeq: d.syncSeq, registeredSeq: d.registeredSeq, current: d.current, totalUnread: d.totalUnread,
        views: [...d.views].map(([id, v]) => [id, { ...v, batch: v.batch && [...v.batch] }]),
      })),
    })),
  };
}

/** null for a snapshot of another format version: the caller rebuilds from position 0 instead. */
export function decodeSnapshot(snapshot: unknown): Map<string, AccountModel> | null {
  const tagged = snapshot as { version?: unknown; accounts?: unknown[] } | null;
  if (!tagged || tagged.version !== SNAPSHOT_VERSION || !Array.isArray(tagged.accounts)) return null;
  const accounts = new Map<string, AccountModel>();
  for (const a of tagged.accounts as any[]) {
    const account = newAccountModel(a.id);
    account.maxUpdateTime = a.maxUpdateTime ?? -Infinity;
    accounts.set(a.id, account);
    for (const s of a.sessions) {
      const session = { ...newSessionModel(s.id, s.scene, s.to), ...s, lastByType: new Map(s.lastByType) };
      account.sessions.set(s.id, session);
      for (const [type, msg] of session.lastByType) {
        let index = account.byType.get(type);
        if (!index) account.byType.set(type, (index = new OrderedIndex()));
        index.insert({ updateTime: msg.time, id: s.id });
      }
    }
    for (const d of a.devices) {
      const device: DeviceModel = { registeredSeq: -1, login: 0, syncSeq: -1, ...d, views: new Map(), index: new OrderedIndex() };
      for (const [id, v] of d.views as [string, any][]) {
        // Fields JSON dropped (undefined) come back as their defaults.
        const view: DeviceSessionModel = { ...newDeviceSessionModel(), ...v, batch: v.batch && new Set(v.batch) };
        device.views.set(id, view);
        if (view.indexedAt !== undefined) device.index.insert({ updateTime: view.indexedAt, id });
      }
      account.devices.set(d.id, device);
    }
  }
  return accounts;
}
