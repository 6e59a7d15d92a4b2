#!/usr/bin/env node
// The command line lives in dist/, which `npm install` (prepare) or `npm run build` compiles.
let main;
try {
  ({ main } = await import('../dist/infrastructure/cli/main.js'));
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.url ?? error.message).includes('/dist/')) throw error;
  console.error("session-ledger: the compiled command line (dist/) is missing: run 'npm install' or 'npm run build' in the checkout first");
  process.exit(1);
}
process.exitCode = await main(process.argv.slice(2));
