// Prints, as one JSON object, the command, args and env a host launches for
// an unpacked MCP Bundle, computed by the loader code Claude Desktop uses
// (getMcpConfigForManifest from @anthropic-ai/mcpb): the platform override,
// the settings' defaults and values, ${__dirname} and the other variables.
//
// usage: node mcpconfig.mjs BUNDLE_DIR < USER_CONFIG_JSON
// The settings come on stdin so that secrets stay out of the process list.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve, sep } from "node:path";
import { getMcpConfigForManifest } from "@anthropic-ai/mcpb";

const dir = resolve(process.argv[2] ?? ".");
const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
const userConfig = JSON.parse(readFileSync(0, "utf8") || "{}");
const home = homedir();
const config = await getMcpConfigForManifest({
  manifest,
  extensionPath: dir,
  userConfig,
  systemDirs: {
    HOME: home,
    DESKTOP: join(home, "Desktop"),
    DOCUMENTS: join(home, "Documents"),
    DOWNLOADS: join(home, "Downloads"),
  },
  pathSeparator: sep,
  logger: { log: () => {}, warn: (m) => console.error(m), error: (m) => console.error(m) },
});
if (!config) {
  console.error("mcpconfig: the host would not start this bundle (a required setting is missing)");
  process.exit(2);
}
const { command, args = [], env = {} } = config;
process.stdout.write(JSON.stringify({ command, args, env }));
