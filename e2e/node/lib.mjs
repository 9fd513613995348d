// Shared scenario for the black-box client scripts (v1.mjs, v2.mjs).
//
// Each script connects to `recovery-mcp serve --demo` with an MCP client we
// did not write, runs the same scenario, and prints ONE JSON line with what
// it saw. The Go test (e2e_test.go) decides what is right; the scripts only
// record. A step that throws is recorded under `errors` and the scenario
// goes on, so one run reports every failure.

// config is the JSON object passed as the first argument:
//   {transport: "stdio"|"sse"|"http", bin, url, token, mode}
export function config() {
  const raw = process.argv[2];
  if (!raw) {
    console.error('usage: node script.mjs \'{"transport":"stdio","bin":"/path/to/recovery-mcp"}\'');
    process.exit(2);
  }
  return JSON.parse(raw);
}

// withTimeout rejects when p takes longer than ms, naming the step.
export function withTimeout(p, ms, what) {
  let timer;
  return Promise.race([
    p,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export function errText(e) {
  if (e === undefined || e === null) return String(e);
  const code = e.code !== undefined ? ` (code ${e.code})` : '';
  return `${e.name || 'Error'}: ${e.message || String(e)}${code}`;
}

function textOf(res) {
  return (res?.content || []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
}

// summary keeps what the Go test asserts on from a tool result.
function summary(res) {
  return {
    is_error: res?.isError === true,
    structured: res?.structuredContent ?? null,
    text: textOf(res).slice(0, 600),
  };
}

// probeAuth sends a bare initialize without a token and reports the status:
// the server must answer 401 with a Bearer WWW-Authenticate header.
export async function probeAuth(cfg) {
  if (!cfg.token) return null;
  const url = cfg.transport === 'sse' ? cfg.url.replace(/\/mcp$/, '/sse') : cfg.url;
  const init = cfg.transport === 'sse'
    ? { method: 'GET', headers: { Accept: 'text/event-stream' } }
    : {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
        body: JSON.stringify({
          jsonrpc: '2.0', id: 1, method: 'initialize',
          params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'e2e-raw', version: '0' } },
        }),
      };
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
  const www = res.headers.get('www-authenticate') || '';
  await res.body?.cancel();
  return { status: res.status, www_authenticate: www };
}

// run drives the scenario. api adapts the SDK line:
//   connect({elicit, noToken}) -> {client, protocolVersion(), close()}; elicit is
//     null (no elicitation capability) or {answer: 'accept'|'decline', requests: []}
//     (declare elicitation, answer every request so, record them in requests);
//     noToken leaves out the bearer token
//   callTool(client, name, args, onprogress?) -> result
//   sdk: a label for the client; elicitation: whether the client offers it
export async function run(cfg, api) {
  const out = {
    sdk: api.sdk,
    transport: cfg.transport,
    mode: cfg.mode || null,
    errors: [],
  };
  // A step that times out means a hung server: skip the rest rather than
  // wait 30 s for each of them.
  let hung = false;
  const step = async (name, fn) => {
    if (hung) return undefined;
    try {
      return await withTimeout(fn(), 30000, name);
    } catch (e) {
      out.errors.push(`${name}: ${errText(e)}`);
      if (/no answer within|timed out/i.test(e?.message || '')) {
        hung = true;
        out.errors.push('later steps skipped: a step timed out');
      }
      return undefined;
    }
  };

  if (cfg.token) {
    out.auth = {};
    out.auth.raw_without_token = await step('auth raw request without token', () => probeAuth(cfg));
    // The SDK client without the token must fail to connect (HTTP 401).
    await step('auth sdk connect without token', async () => {
      let conn;
      try {
        conn = await api.connect({ elicit: null, noToken: true });
        out.auth.sdk_without_token = { connected: true };
      } catch (e) {
        out.auth.sdk_without_token = { connected: false, error: errText(e).slice(0, 300) };
      } finally {
        if (conn) await withTimeout(conn.close(), 10000, 'close').catch(() => {});
      }
    });
  }

  // Main client: no elicitation capability, so destructive calls take the
  // two-step confirm-token path.
  const conn = await step('connect', () => api.connect({ elicit: null }));
  if (!conn) {
    return out;
  }
  const c = conn.client;
  if (cfg.token) out.auth.with_token = { connected: true };
  out.protocol_version = conn.protocolVersion() ?? null;
  out.server = c.getServerVersion?.() ?? null;

  out.tools = await step('tools/list', async () => (await c.listTools()).tools.map((t) => t.name));
  out.resources = await step('resources/list', async () => (await c.listResources()).resources.map((r) => r.uri));
  out.prompts = await step('prompts/list', async () => (await c.listPrompts()).prompts.map((p) => p.name));

  out.list_targets = await step('list_targets', async () => summary(await api.callTool(c, 'list_targets', {})));
  out.list_vms = await step('nutanix_list_vms', async () =>
    summary(await api.callTool(c, 'nutanix_list_vms', { target: 'pc-prod' })));

  // A write tool with progress: record every notification; never assert a count.
  const createRP = async (client, label) => {
    const rec = { progress: [], progress_errors: [] };
    const res = await api.callTool(client, 'nutanix_create_recovery_point', { target: 'pc-prod', vms: ['app-billing-01'] }, (p) => {
      try {
        if (typeof p?.progress !== 'number') throw new Error(`progress without a number: ${JSON.stringify(p)}`);
        rec.progress.push({ progress: p.progress, total: p.total ?? null, message: p.message ?? null });
      } catch (e) {
        rec.progress_errors.push(`${label}: ${errText(e)}`);
      }
    });
    return { ...summary(res), ...rec, ext_id: res?.structuredContent?.ext_id ?? null };
  };
  out.create = await step('nutanix_create_recovery_point', () => createRP(c, 'create'));
  // Let late progress notifications arrive (best effort), then freeze the count.
  await new Promise((r) => setTimeout(r, 200));
  if (out.create) out.create.progress_count = out.create.progress.length;

  // Destructive tool through the confirm token.
  const rpID = out.create?.ext_id;
  if (rpID) {
    out.confirm = {};
    out.confirm.first = await step('delete (no token)', async () =>
      summary(await api.callTool(c, 'nutanix_delete_recovery_point', { target: 'pc-prod', ext_id: rpID })));
    const token = out.confirm.first?.structured?.confirm_token;
    if (token) {
      // The preview changed nothing.
      out.confirm.between = await step('get recovery point after the preview', async () =>
        summary(await api.callTool(c, 'nutanix_get_recovery_point', { target: 'pc-prod', ext_id: rpID })));
      out.confirm.second = await step('delete (with confirm_token)', async () =>
        summary(await api.callTool(c, 'nutanix_delete_recovery_point', { target: 'pc-prod', ext_id: rpID, confirm_token: token })));
      out.confirm.after = await step('get deleted recovery point', async () =>
        summary(await api.callTool(c, 'nutanix_get_recovery_point', { target: 'pc-prod', ext_id: rpID })));
    }
  }

  out.resource = await step('resources/read recovery://targets', async () => {
    const r = await c.readResource({ uri: 'recovery://targets' });
    const first = r.contents?.[0] || {};
    return { count: r.contents?.length ?? 0, uri: first.uri, mime_type: first.mimeType ?? null, text: (first.text || '').slice(0, 2000) };
  });
  out.prompt = await step('prompts/get plan_recovery', async () => {
    const r = await c.getPrompt({ name: 'plan_recovery', arguments: { entity: 'app-billing-01' } });
    return {
      messages: r.messages?.length ?? 0,
      role: r.messages?.[0]?.role ?? null,
      text: (r.messages?.[0]?.content?.text || '').slice(0, 600),
    };
  });

  // Elicitation, where the client offers it: a second client that declares
  // the capability (over stdio a second server process, so it creates its
  // own recovery point). Accept deletes; decline deletes nothing.
  if (api.elicitation) {
    out.elicit = {};
    for (const answer of ['accept', 'decline']) {
      const r = { requests: [] };
      out.elicit[answer] = r;
      const ec = await step(`elicit ${answer}: connect`, () => api.connect({ elicit: { answer, requests: r.requests } }));
      if (!ec) continue;
      r.protocol_version = ec.protocolVersion() ?? null;
      const rp = await step(`elicit ${answer}: create`, () => createRP(ec.client, `elicit-${answer}`));
      r.ext_id = rp?.ext_id ?? null;
      if (r.ext_id) {
        r.result = await step(`elicit ${answer}: delete`, async () =>
          summary(await api.callTool(ec.client, 'nutanix_delete_recovery_point', { target: 'pc-prod', ext_id: r.ext_id })));
        r.after = await step(`elicit ${answer}: get`, async () =>
          summary(await api.callTool(ec.client, 'nutanix_get_recovery_point', { target: 'pc-prod', ext_id: r.ext_id })));
      }
      await withTimeout(ec.close(), 10000, 'close').catch(() => {});
    }
  }

  await step('close', () => conn.close());
  return out;
}

// main runs the scenario and prints the JSON line; the exit status is 0 even
// when steps failed (the Go test judges), 1 only when the script itself broke.
export async function main(api) {
  const cfg = config();
  try {
    const out = await run(cfg, api);
    process.stdout.write(JSON.stringify(out) + '\n');
    process.exit(0);
  } catch (e) {
    console.error('script failed:', e);
    process.exit(1);
  }
}
