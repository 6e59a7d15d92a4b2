import { STORE_HELP, type CliCommand } from './command.js';

/** `session-ledger serve`: the HTTP service; fastify and the rest load only when it runs. */
export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'the HTTP API, live updates and the web inbox at /',
  help: `usage: session-ledger serve [--port n] [--host h] [--store <url>]
                            [--read-models <url>] [--demo]

Serves the ledger over HTTP until Ctrl-C (SIGINT) or SIGTERM: the API under
/v1, live updates (Server-Sent Events), /openapi.json, /metrics, /healthz,
/readyz and the web inbox at /.

  --port <n>          the port (default: $PORT, else 8080; 0 picks a free one)
  --host <h>          the address to listen on (default 127.0.0.1)
  --read-models <url> an EventStoreDB store's read models in a database
                      ('postgres://...': shared by every process serving the
                      store, one of them projecting; 'sqlite:<path>': this
                      process alone), as createLedger's readModels
  --demo              seed demo accounts and traffic into an empty store, and
                      offer the inbox's "simulate traffic" control
${STORE_HELP}

Tokens are HS256 JWTs signed with $LEDGER_AUTH_SECRET; without it a development
secret is used, with a warning, and demo tokens are printed at start.`,
  run: async (args) => (await import('./serve.js')).serve(args),
};
