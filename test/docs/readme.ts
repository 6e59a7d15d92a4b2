import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/test/docs → the checkout root, where README.md and package.json live
export const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The README's runnable blocks: each ```js block that starts with `// example: <name>`. */
export function readmeExamples(): { name: string; code: string }[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const out: { name: string; code: string }[] = [];
  for (const block of readme.matchAll(/```js\n([\s\S]*?)```/g)) {
    const name = /^\/\/ example: (\S+)/.exec(block[1]!)?.[1];
    if (name) out.push({ name, code: block[1]! });
  }
  return out;
}

/**
 * An example as CommonJS, as the README's `require()` note says a user would write it:
 * `import { a, b as c } from 'x'` becomes `const { a, b: c } = require('x')`, `import d from 'x'`
 * becomes `const d = require('x')`, and the body runs in an async function (CommonJS has no
 * top-level await), whose promise the module exports.
 */
export function asCommonJs(code: string): string {
  const body = code.replace(/^import \{([^}]*)\} from '([^']+)';/gm, (_, names: string, from: string) =>
    `const {${names.replace(/\s+as\s+/g, ': ')}} = require('${from}');`)
    .replace(/^import (\w+) from '([^']+)';/gm, "const $1 = require('$2');");
  if (/^import /m.test(body)) throw new Error(`an import the conversion does not know:\n${code}`);
  return `module.exports = (async () => {\n${body}\n})();\n`;
}
