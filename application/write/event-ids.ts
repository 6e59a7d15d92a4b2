import { v5 as uuidv5 } from 'uuid';

// A fixed namespace: the same input always yields the same event id, in every process.
const NAMESPACE = '6f1c6f0e-3b8e-5f54-9a41-2d5c7c1f0b7a';

/** A message's event id depends only on the stream and the message, so a re-delivery never doubles. */
export function messageEventId(stream: string, key: string): string {
  return uuidv5(`msg\n${stream}\n${key}`, NAMESPACE);
}

/** Other events: derived from the command (unique per account, device and type), so a retry appends the same ids. */
export function commandEventId(command: { account: string; device: string; commandType: string; commandId: string }, stream: string, index: number): string {
  return uuidv5(JSON.stringify(['cmd', command.account, command.device, command.commandType, command.commandId, stream, index]), NAMESPACE);
}
