package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/recovery-mcp/recovery-mcp/internal/server"
	"github.com/recovery-mcp/recovery-mcp/prompts"
)

// manifestVersion is the MCPB manifest version written. 0.3 is the newest
// that has everything this bundle uses (0.4 only adds the "uv" server type)
// and the one the Claude Desktop releases of 2025-2026 load.
const manifestVersion = "0.3"

// devVersion is the version in the checked-in manifest.json; the release
// build stamps the real one.
const devVersion = "0.0.0-dev"

// Manifest is the part of the MCPB manifest this bundle uses, in the order
// it is written.
type Manifest struct {
	ManifestVersion string       `json:"manifest_version"`
	Name            string       `json:"name"`
	DisplayName     string       `json:"display_name"`
	Version         string       `json:"version"`
	Description     string       `json:"description"`
	LongDescription string       `json:"long_description"`
	Author          Author       `json:"author"`
	Repository      Repository   `json:"repository"`
	Homepage        string       `json:"homepage"`
	Documentation   string       `json:"documentation"`
	Icon            string       `json:"icon,omitempty"`
	Server          Server       `json:"server"`
	Tools           []Tool       `json:"tools"`
	Prompts         []Prompt     `json:"prompts"`
	Keywords        []string     `json:"keywords"`
	Compatibility   Compat       `json:"compatibility"`
	UserConfig      UserSettings `json:"user_config"`
}

// Author names who made it.
type Author struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

// Repository is where the source lives.
type Repository struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// Server says how a host starts the server.
type Server struct {
	Type       string    `json:"type"`
	EntryPoint string    `json:"entry_point"`
	MCPConfig  MCPConfig `json:"mcp_config"`
}

// MCPConfig is the command line and environment, with ${...} variables the
// host substitutes.
type MCPConfig struct {
	Command           string                 `json:"command"`
	Args              []string               `json:"args"`
	Env               map[string]string      `json:"env"`
	PlatformOverrides map[string]PlatformCmd `json:"platform_overrides,omitempty"`
}

// PlatformCmd replaces the command on one platform (darwin, win32, linux).
type PlatformCmd struct {
	Command string `json:"command"`
}

// Tool is one entry of the manifest's tool list.
type Tool struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Prompt is one entry of the manifest's prompt list. Text is the playbook
// with ${arguments.NAME} where the user's argument goes.
type Prompt struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Arguments   []string `json:"arguments,omitempty"`
	Text        string   `json:"text"`
}

// Compat lists the platforms the bundle carries binaries for.
type Compat struct {
	Platforms []string `json:"platforms"`
}

// Setting is one field of the host's settings dialog.
type Setting struct {
	Key         string `json:"-"`
	Type        string `json:"type"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Required    bool   `json:"required"`
	Sensitive   bool   `json:"sensitive,omitempty"`
	// Default is set on every field: a host substitutes ${user_config.KEY}
	// only when the setting has a value, and would otherwise pass the
	// placeholder itself to the server.
	Default any `json:"default"`
	// Env is the environment variable the setting fills.
	Env string `json:"-"`
}

// UserSettings keeps the settings in dialog order (a JSON object, which a
// Go map would sort).
type UserSettings []Setting

// MarshalJSON writes the settings as one object, in order.
func (u UserSettings) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, s := range u {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(s.Key)
		if err != nil {
			return nil, err
		}
		var v bytes.Buffer
		enc := json.NewEncoder(&v)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			return nil, fmt.Errorf("user_config.%s: %w", s.Key, err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(bytes.TrimSpace(v.Bytes()))
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// settings is the settings dialog: a config file for any number of targets,
// or the quick settings for one Prism Central and one ONTAP cluster, the
// safety switches, and demo mode. Each fills one environment variable the
// server already reads (internal/config, cmd/recovery-mcp).
func settings() UserSettings {
	target := func(prefix, env, what, port string) []Setting {
		return []Setting{
			{Key: prefix + "_host", Type: "string", Title: what + " host", Env: env + "_HOST", Default: "",
				Description: "Host name or address of the " + what + ", optionally with :port (default " + port + "). Leave empty for none."},
			{Key: prefix + "_username", Type: "string", Title: what + " user", Env: env + "_USERNAME", Default: "",
				Description: "User name for the " + what + " REST API."},
			{Key: prefix + "_password", Type: "string", Title: what + " password", Env: env + "_PASSWORD", Default: "", Sensitive: true,
				Description: "Password for that user; kept in the system keychain and never logged."},
			{Key: prefix + "_verify_tls", Type: "boolean", Title: what + ": verify TLS certificate", Env: env + "_VERIFY_TLS", Default: true,
				Description: "Check the " + what + "'s certificate. Turn off only for a self-signed certificate you trust."},
		}
	}
	s := UserSettings{{Key: "config_file", Type: "file", Title: "Config file (optional)", Env: "RECOVERY_MCP_CONFIG", Default: "",
		Description: "YAML config file with any number of targets and the safety settings (see the README). Its passwords come from password_file or credentials_command. The quick settings below add one target of each kind."}}
	s = append(s, target("nutanix", "NUTANIX", "Prism Central", "9440")...)
	s = append(s, target("ontap", "ONTAP", "ONTAP cluster", "443")...)
	s = append(s,
		Setting{Key: "read_only", Type: "boolean", Title: "Read-only", Env: "RECOVERY_MCP_READ_ONLY", Default: false,
			Description: "Offer only tools that change nothing."},
		Setting{Key: "disable_destructive", Type: "boolean", Title: "Disable destructive tools", Env: "RECOVERY_MCP_DISABLE_DESTRUCTIVE", Default: true,
			Description: "Hide the tools that lose or overwrite data (delete, VM revert, in-place restore, SnapMirror break and resync). Even when offered, each asks for confirmation."},
		Setting{Key: "demo", Type: "boolean", Title: "Demo mode", Env: "RECOVERY_MCP_DEMO", Default: false,
			Description: "Try it with no storage: serve a simulated estate of two Prism Centrals and two ONTAP clusters instead of the systems above."},
	)
	return s
}

// Bundle paths of the server binaries.
const (
	darwinBinary  = "server/darwin/recovery-mcp"
	windowsBinary = "server/windows/recovery-mcp.exe"
	linuxLauncher = "server/linux/recovery-mcp"
)

// buildManifest returns the manifest for version, with the tool and prompt
// lists taken from the live catalog and platforms the bundle carries.
func buildManifest(version string, platforms []string) Manifest {
	env := map[string]string{}
	for _, s := range settings() {
		env[s.Env] = "${user_config." + s.Key + "}"
	}
	m := Manifest{
		ManifestVersion: manifestVersion,
		Name:            "recovery-mcp",
		DisplayName:     "Recovery MCP: Nutanix and ONTAP backup and recovery",
		Version:         version,
		Description:     "Backup and recovery on Nutanix Prism Central and NetApp ONTAP: recovery points, snapshots, restores, clones, SnapMirror, and backup health analysis.",
		LongDescription: "recovery-mcp lets Claude operate and reason about backup and recovery on Nutanix Prism Central v4 and NetApp ONTAP: list and create recovery points and snapshots, restore and clone, manage SnapMirror, and review backup health, failure risks and recovery options. " +
			"Destructive operations are off by default and always ask for confirmation; read-only mode offers read tools alone. " +
			"Demo mode serves a simulated estate, so you can try it with no storage at all.",
		Author:        Author{Name: "recovery-mcp contributors", URL: "https://github.com/recovery-mcp/recovery-mcp"},
		Repository:    Repository{Type: "git", URL: "https://github.com/recovery-mcp/recovery-mcp"},
		Homepage:      "https://github.com/recovery-mcp/recovery-mcp",
		Documentation: "https://github.com/recovery-mcp/recovery-mcp#readme",
		Icon:          iconFile,
		Server: Server{
			Type:       "binary",
			EntryPoint: darwinBinary,
			MCPConfig: MCPConfig{
				Command: "${__dirname}/" + darwinBinary,
				Args:    []string{"serve"},
				Env:     env,
				PlatformOverrides: map[string]PlatformCmd{
					"win32": {Command: "${__dirname}${/}" + strings.ReplaceAll(windowsBinary, "/", "${/}")},
					"linux": {Command: "${__dirname}/" + linuxLauncher},
				},
			},
		},
		Tools:         catalogTools(),
		Prompts:       catalogPrompts(),
		Keywords:      []string{"backup", "recovery", "disaster recovery", "nutanix", "prism central", "netapp", "ontap", "snapshot", "snapmirror"},
		Compatibility: Compat{Platforms: platforms},
		UserConfig:    settings(),
	}
	return m
}

// catalogTools is every tool of every toolset, by name, with the first
// sentence of its description (what `recovery-mcp tools` prints).
func catalogTools() []Tool {
	var out []Tool
	for _, t := range server.Catalog() {
		out = append(out, Tool{Name: t.Name, Description: t.FirstSentence()})
	}
	return out
}

// catalogPrompts is every prompt, its text rendered with ${arguments.NAME}
// for each argument.
func catalogPrompts() []Prompt {
	var out []Prompt
	for _, p := range prompts.All() {
		args := map[string]string{}
		var names []string
		for _, a := range p.Args {
			args[a.Name] = "${arguments." + a.Name + "}"
			names = append(names, a.Name)
		}
		out = append(out, Prompt{Name: p.Name, Description: p.Description, Arguments: names, Text: p.Render(args)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// encodeManifest writes m as indented JSON, HTML characters unescaped.
func encodeManifest(m Manifest) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return b.Bytes(), nil
}

// allPlatforms is the platform list of a full release bundle.
var allPlatforms = []string{"darwin", "win32", "linux"}
