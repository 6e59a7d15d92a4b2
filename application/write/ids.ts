import { createHash, randomUUID } from 'node:crypto';

/**
 * The write side's ids. Name-based ids are RFC 9562 version 5 UUIDs (SHA-1 of the namespace's 16
 * bytes and the name's UTF-8), byte for byte what the `uuid` package's v5 gives, so keys and event
 * ids already stored keep matching; computed here with one hash and no per-call parsing.
 */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function namespaceBytes(namespace: string): Buffer {
  const hex = namespace.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new TypeError(`namespace ${namespace} is not a UUID`);
  return Buffer.from(hex, 'hex');
}

/** A v5 UUID generator for one namespace. */
export function nameBasedIds(namespace: string): (name: string) => string {
  const ns = namespaceBytes(namespace);
  return (name) => {
    const b = createHash('sha1').update(ns).update(name, 'utf8').digest();
    const b6 = (b[6]! & 0x0f) | 0x50;
    const b8 = (b[8]! & 0x3f) | 0x80;
    return `${HEX[b[0]!]}${HEX[b[1]!]}${HEX[b[2]!]}${HEX[b[3]!]}-${HEX[b[4]!]}${HEX[b[5]!]}-${HEX[b6]}${HEX[b[7]!]}-${HEX[b8]}${HEX[b[9]!]}-`
      + `${HEX[b[10]!]}${HEX[b[11]!]}${HEX[b[12]!]}${HEX[b[13]!]}${HEX[b[14]!]}${HEX[b[15]!]}`;
  };
}

/** A random (v4) UUID for a command without a caller's id: node's own, from a pooled entropy buffer. */
export function newCommandId(): string {
  return randomUUID();
}
