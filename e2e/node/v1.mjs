// Black-box scenario with the TypeScript SDK v1 client (@modelcontextprotocol/sdk 1.x).
// Usage: node v1.mjs '{"transport":"stdio|sse|http","bin":"...","url":"...","token":"..."}'
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { readFileSync } from 'node:fs';
import { config, main } from './lib.mjs';

const cfg = config();
const version = JSON.parse(readFileSync(new URL('./node_modules/@modelcontextprotocol/sdk/package.json', import.meta.url))).version;

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
  sdk: `@modelcontextprotocol/sdk@${version}`,
  elicitation: false,
  async connect({ noToken }) {
    const client = new Client({ name: 'recovery-mcp-e2e-v1', version: '0.0.1' });
    const t = transport(noToken);
    // Record the negotiated protocol version: the client hands it to the
    // transport after initialize (stdio has no such hook, so add one).
    let negotiated;
    const orig = t.setProtocolVersion?.bind(t);
    t.setProtocolVersion = (v) => {
      negotiated = v;
      orig?.(v);
    };
    await client.connect(t, { timeout: 20000 });
    return { client, protocolVersion: () => negotiated, close: () => client.close() };
  },
  callTool(client, name, args, onprogress) {
    const opts = { timeout: 30000 };
    if (onprogress) opts.onprogress = onprogress;
    return client.callTool({ name, arguments: args }, undefined, opts);
  },
});
