// Black-box scenario with the TypeScript SDK v2 client (@modelcontextprotocol/client 2.x).
// Usage: node v2.mjs '{"transport":"stdio|sse|http","bin":"...","url":"...","token":"...","mode":"auto|legacy"}'
//
// mode "auto" probes with server/discover and lands in the modern era
// (2026-07-28, stateless) when the server offers it; "legacy" runs the 2025
// initialize handshake. Legacy SSE only exists in the legacy era.
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { readFileSync } from 'node:fs';
import { config, main } from './lib.mjs';

const cfg = config();
const version = JSON.parse(readFileSync(new URL('./node_modules/@modelcontextprotocol/client/package.json', import.meta.url))).version;
const mode = cfg.mode || 'legacy';

function transport(noToken) {
  const requestInit = cfg.token && !noToken ? { headers: { Authorization: `Bearer ${cfg.token}` } } : undefined;
  switch (cfg.transport) {
    case 'stdio':
      return new StdioClientTransport({ command: cfg.bin, args: ['serve', '--demo', '--log-level', 'warn'], stderr: 'inherit' });
    case 'sse':
      return new SSEClientTransport(new URL(cfg.url), { requestInit });
    case 'http':
      return new StreamableHTTPClientTransport(new URL(cfg.url), { requestInit });
    default:
      throw new Error(`unknown transport ${cfg.transport}`);
  }
}

await main({
  sdk: `@modelcontextprotocol/client@${version}`,
  elicitation: true,
  // elicit: null (no elicitation capability) or {answer: 'accept'|'decline', requests: []}
  async connect({ elicit, noToken }) {
    const capabilities = elicit ? { elicitation: { form: {} } } : {};
    const client = new Client(
      { name: 'recovery-mcp-e2e-v2', version: '0.0.1' },
      { capabilities, versionNegotiation: { mode } },
    );
    if (elicit) {
      client.setRequestHandler('elicitation/create', async (req) => {
        const p = req.params || {};
        elicit.requests.push({
          message: (p.message || '').slice(0, 400),
          mode: p.mode ?? null,
          properties: Object.keys(p.requestedSchema?.properties || {}),
        });
        return elicit.answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: 'decline' };
      });
    }
    await client.connect(transport(noToken), { timeout: 20000 });
    return {
      client,
      protocolVersion: () => client.getNegotiatedProtocolVersion(),
      close: () => client.close(),
    };
  },
  callTool(client, name, args, onprogress) {
    const opts = { timeout: 30000 };
    if (onprogress) opts.onprogress = onprogress;
    return client.callTool({ name, arguments: args }, opts);
  },
});
