import { hash, randomUUID } from 'node:crypto';

/**
 * The write side's ids. Name-based ids are RFC 9562 version 5 UUIDs (SHA-1 of the namespace's 16
 * bytes and the name's UTF-8), byte for byte what the `uuid` package's v5 gives, so keys and event
 * ids already stored keep matching; computed here with one hash and no per-call parsing.
 */
const VARIANT = ['8', '9', 'a', 'b'];

function namespaceBytes(namespace: string): Buffer {
  const hex = namespace.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new TypeError(`namespace ${namespace} is not a UUID`);
  return Buffer.from(hex, 'hex');
}

/** A v5 UUID generator for one namespace. */
export function nameBasedIds(namespace: string): (name: string) => string {
  const ns = namespaceBytes(namespace);
  return (name) => {
    // one buffer and the one-shot hash: no Hash object per id
    const bytes = Buffer.allocUnsafe(ns.length + Buffer.byteLength(name, 'utf8'));
    ns.copy(bytes, 0);
    bytes.write(name, ns.length, 'utf8');
    const h = hash('sha1', bytes, 'hex');
    // the version nibble (hex digit 12) is 5; the variant's top bits (of digit 16) are 10
    const variant = VARIANT[Number.parseInt(h[16]!, 16) & 0x3]!;
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
}

/** A random (v4) UUID for a command without a caller's id: node's own, from a pooled entropy buffer. */
export function newCommandId(): string {
  return randomUUID();
}
