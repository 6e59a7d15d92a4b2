import { readFileSync } from 'node:fs';

/** The package's version, from its package.json (dist/infrastructure/ → the package root), read once. */
export const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
