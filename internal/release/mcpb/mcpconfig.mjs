// Prints, as one JSON object, the command, args and env a host launches for
// an unpacked MCP Bundle, computed by the loader code Claude Desktop uses
// (getMcpConfigForManifest from @anthropic-ai/mcpb): the platform override,
// the settings' defaults and values, ${__dirname} and the other variables.
//
// usage: node mcpconfig.mjs BUNDLE_DIR < USER_CONFIG_JSON
// The settings come on stdin so that secrets stay out of the process list.
// MCPB_PLATFORM=darwin|win32|linux resolves as that platform would (its
// override and path separator) instead of this one's, and
// MCPB_EXTENSION_PATH stands for the bundle's installed path.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve, sep } from "node:path";
import { getMcpConfigForManifest } from "@anthropic-ai/mcpb";

const platform = process.env.MCPB_PLATFORM;
if (platform) {
  Object.defineProperty(process, "platform", { value: platform });
}
const dir = resolve(process.argv[2] ?? ".");
const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
const userConfig = JSON.parse(readFileSync(0, "utf8") || "{}");
const home = homedir();
const config = await getMcpConfigForManifest({
  manifest,
  extensionPath: process.env.MCPB_EXTENSION_PATH || dir,
  userConfig,
  systemDirs: {
    HOME: home,
    DESKTOP: join(home, "Desktop"),
    DOCUMENTS: join(home, "Documents"),
    DOWNLOADS: join(home, "Downloads"),
  },
  pathSeparator: platform ? (platform === "win32" ? "\\" : "/") : sep,
  logger: { log: () => {}, warn: (m) => console.error(m), error: (m) => console.error(m) },
});
if (!config) {
  console.error("mcpconfig: the host would not start this bundle (a required setting is missing)");
  process.exit(2);
}
const { command, args = [], env = {} } = config;
process.stdout.write(JSON.stringify({ command, args, env }));
