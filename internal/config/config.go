// Package config loads the server's configuration: the targets (Prism
// Centrals, ONTAP clusters and Active IQ Unified Manager servers) with their
// credentials, the safety settings and the HTTP transport settings.
//
// Sources, in order: the YAML file named by --config or RECOVERY_MCP_CONFIG,
// then the quick environment configuration (NUTANIX_* and ONTAP_*), which adds
// one target of each kind when its host variable is set and no file target of
// that name exists. The quick variables are what the Claude Desktop bundle's
// settings dialog fills in, so they accept what people paste there: a host
// with or without :port or https://, and VERIFY_TLS as well as INSECURE. Unknown keys are errors, and every error names the file,
// the key and what is wrong. Passwords are resolved once at load time from
// password_env, password_file or credentials_command (never from the YAML
// itself, so a config file can be committed) and are held as Secret, which
// never prints.
package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/recovery-mcp/recovery-mcp/internal/analysis"
)

// Names of the built-in kinds of target, for the vendor tools that speak
// to one kind. The rules of each kind live in its package under
// internal/vendors; config attaches none to these names.
const (
	KindNutanix = "nutanix"
	KindONTAP   = "ontap"
	// KindAIQUM is an Active IQ Unified Manager server: its managed
	// clusters become ONTAP targets reached through its API gateway.
	KindAIQUM = "aiqum"
)

// Kind is what the configuration knows of one kind of target. Each storage
// kind implements it in its package under internal/vendors; the server
// passes the list to Load, so config checks every kind generically and
// imports none of them.
type Kind interface {
	// Name is the value of a target's kind key (lower case).
	Name() string
	// ApplyDefaults fills the kind's own defaults into t (such as its
	// port); what it leaves unset takes the common defaults.
	ApplyDefaults(t *Target)
	// Validate checks the kind's own rules and returns the first problem
	// as the target's key and a message, or "", "".
	Validate(t Target) (key, msg string)
	// EnvPrefix is the prefix of the quick environment configuration
	// (NUTANIX_ reads NUTANIX_HOST, ...), "" when the kind has none.
	EnvPrefix() string
}

// Config is the whole configuration.
type Config struct {
	Targets []Target `yaml:"targets"`
	Safety  Safety   `yaml:"safety"`
	HTTP    HTTP     `yaml:"http"`
	// Analysis holds the Day-2 thresholds; keys left out keep their
	// documented defaults (analysis.DefaultRules).
	Analysis analysis.Rules `yaml:"analysis"`
	// Workflows configures the workflow engine (workflows.go).
	Workflows Workflows `yaml:"workflows"`
	// Source names where the configuration came from, for messages.
	Source string `yaml:"-"`
	// Kinds are the kinds of target this server knows (Load sets them).
	Kinds []Kind `yaml:"-"`
}

// Target is one Prism Central or ONTAP cluster.
type Target struct {
	Name               string   `yaml:"name"`
	Kind               string   `yaml:"kind"`
	Host               string   `yaml:"host"`
	Port               int      `yaml:"port"`
	Username           string   `yaml:"username"`
	PasswordEnv        string   `yaml:"password_env"`
	PasswordFile       string   `yaml:"password_file"`
	CredentialsCommand []string `yaml:"credentials_command"`
	// APIKeyEnv names an environment variable holding a Nutanix API key,
	// used instead of basic auth.
	APIKeyEnv          string   `yaml:"api_key_env"`
	InsecureSkipVerify bool     `yaml:"insecure_skip_verify"`
	CAFile             string   `yaml:"ca_file"`
	PlainHTTP          bool     `yaml:"plain_http"`
	Timeout            Duration `yaml:"timeout"`
	MaxConcurrency     int      `yaml:"max_concurrency"`
	APIVersion         string   `yaml:"api_version"`
	// Site groups targets for analysis scope (e.g. "production", "dr").
	Site string `yaml:"site"`

	// Password is resolved at load time; it never prints.
	Password Secret `yaml:"-"`
	// APIKey is resolved at load time from APIKeyEnv; it never prints.
	APIKey Secret `yaml:"-"`
	// Password given inline in YAML is refused; kept only to give that error.
	InlinePassword string `yaml:"password"`

	// Via names the AIQUM target through whose API gateway this ONTAP
	// cluster is reached; ClusterUUID is the cluster's UUID there. Both are
	// set by discovery (internal/targets), never read from the file.
	Via         string `yaml:"-"`
	ClusterUUID string `yaml:"-"`
}

// Endpoint returns the base URL of the target, e.g. https://pc.example:9440.
func (t Target) Endpoint() string {
	scheme := "https"
	if t.PlainHTTP {
		scheme = "http"
	}
	return scheme + "://" + net.JoinHostPort(t.Host, strconv.Itoa(t.Port))
}

// Safety holds the safety rails' settings.
type Safety struct {
	// ConfirmDestructive asks for confirmation before destructive calls.
	ConfirmDestructive *bool `yaml:"confirm_destructive"`
	// AuditFile is where JSON-lines audit records go; empty means stderr log only.
	AuditFile string `yaml:"audit_file"`
	// WriteParallelism is how many non-read calls may run at once per target.
	WriteParallelism int `yaml:"write_parallelism"`
	// ConfirmTTL is how long a confirm token stays valid.
	ConfirmTTL Duration `yaml:"confirm_ttl"`
}

// ConfirmEnabled reports whether destructive calls need confirmation.
func (s Safety) ConfirmEnabled() bool { return s.ConfirmDestructive == nil || *s.ConfirmDestructive }

// HTTP holds settings for the SSE and streamable HTTP transports.
type HTTP struct {
	AllowedOrigins []string `yaml:"allowed_origins"`
	AuthTokenFile  string   `yaml:"auth_token_file"`
	// Limits; zero keeps the server's default (see the README).
	ReadHeaderTimeout    Duration `yaml:"read_header_timeout"`
	ReadTimeout          Duration `yaml:"read_timeout"`
	WriteTimeout         Duration `yaml:"write_timeout"`
	IdleTimeout          Duration `yaml:"idle_timeout"`
	MaxBodyBytes         int64    `yaml:"max_body_bytes"`
	MaxConnections       int      `yaml:"max_connections"`
	MaxRequestsPerClient int      `yaml:"max_requests_per_client"`
	MaxStreamsPerClient  int      `yaml:"max_streams_per_client"`
	SessionIdleTTL       Duration `yaml:"session_idle_ttl"`
}

// Duration is a time.Duration written as "30s" or "2m" in YAML.
type Duration time.Duration

// UnmarshalYAML parses Go duration syntax.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || v < 0 {
		return fmt.Errorf("line %d: want a duration such as 30s or 2m, got %q", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// Error is a configuration error that names its source and key.
type Error struct {
	Source string // file name or "environment"
	Line   int    // 0 when unknown
	Key    string // dotted path, e.g. targets[1].port
	Msg    string
}

func (e *Error) Error() string {
	loc := e.Source
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.Source, e.Line)
	}
	if e.Key == "" {
		return fmt.Sprintf("config %s: %s", loc, e.Msg)
	}
	return fmt.Sprintf("config %s: %s: %s", loc, e.Key, e.Msg)
}

// Load reads the file at path (empty for none), adds the quick environment
// configuration, applies defaults, resolves credentials and validates.
// getenv is os.Getenv in production and a map lookup in tests; kinds are
// the kinds of target the server knows (internal/server.Vendors).
func Load(ctx context.Context, path string, getenv func(string) string, kinds []Kind) (*Config, error) {
	cfg := &Config{Source: "environment", Analysis: analysis.DefaultRules()}
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, &Error{Source: path, Msg: fmt.Sprintf("cannot read: %v", err)}
		}
		cfg, err = Parse(data, path)
		if err != nil {
			return nil, err
		}
	}
	cfg.Kinds = kinds
	if err := cfg.addEnvTargets(getenv); err != nil {
		return nil, err
	}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.resolveCredentials(ctx, getenv); err != nil {
		return nil, err
	}
	return cfg, nil
}

var (
	yamlLine     = regexp.MustCompile(`line (\d+): (.*)`)
	unknownField = regexp.MustCompile(`field (\S+) not found`)
)

// Parse decodes YAML strictly (unknown keys are errors) without defaults,
// environment or credential resolution.
func Parse(data []byte, source string) (*Config, error) {
	cfg := &Config{Source: source, Analysis: analysis.DefaultRules()}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		if errors.Is(err, io.EOF) {
			return cfg, nil // empty file: no targets
		}
		return nil, yamlError(source, err)
	}
	return cfg, nil
}

func yamlError(source string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		err = errors.New(te.Errors[0])
	}
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		inner := m[2]
		key := ""
		if k := unknownField.FindStringSubmatch(inner); k != nil {
			key = k[1]
			inner = "unknown key (check spelling; see the configuration reference in README.md)"
		}
		return &Error{Source: source, Line: line, Key: key, Msg: inner}
	}
	return &Error{Source: source, Msg: msg}
}

func (c *Config) addEnvTargets(getenv func(string) string) error {
	for _, k := range c.Kinds {
		prefix := k.EnvPrefix()
		if prefix == "" || getenv(prefix+"HOST") == "" || c.Target(k.Name()) != nil {
			continue
		}
		t, err := envTarget(getenv, k.Name(), k.Name(), prefix)
		if err != nil {
			return err
		}
		c.Targets = append(c.Targets, t)
	}
	return nil
}

// envTarget builds a quick target from PREFIX_HOST (a host, host:port or
// https://host:port/ as pasted from a browser), PREFIX_PORT, PREFIX_USERNAME,
// PREFIX_PASSWORD and the TLS switch, given either as PREFIX_INSECURE=true or
// as PREFIX_VERIFY_TLS=false (the form a settings dialog's "verify TLS" box
// sets); the two may not contradict each other.
func envTarget(getenv func(string) string, name, kind, prefix string) (Target, error) {
	t := Target{Name: name, Kind: kind, Username: getenv(prefix + "USERNAME"), PasswordEnv: prefix + "PASSWORD"}
	bad := func(key, msg string) (Target, error) {
		return Target{}, &Error{Source: "environment", Key: prefix + key, Msg: msg}
	}
	raw := strings.TrimSpace(getenv(prefix + "HOST"))
	h := strings.TrimSuffix(strings.TrimPrefix(raw, "https://"), "/")
	if strings.Contains(h, "://") || strings.Contains(h, "/") {
		return bad("HOST", fmt.Sprintf("%q: want a host name or address, optionally with :port (HTTPS is implied)", raw))
	}
	t.Host = h
	if host, port, err := net.SplitHostPort(h); err == nil {
		n, err := strconv.Atoi(port)
		if err != nil {
			return bad("HOST", fmt.Sprintf("%q: %q is not a port number", raw, port))
		}
		t.Host, t.Port = host, n
	} else {
		t.Host = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	}
	if p := getenv(prefix + "PORT"); p != "" {
		n, err := strconv.Atoi(p)
		switch {
		case err != nil:
			return bad("PORT", fmt.Sprintf("want a port number, got %q", p))
		case t.Port != 0 && t.Port != n:
			return bad("PORT", fmt.Sprintf("%d contradicts the port in %sHOST (%d); give the port once", n, prefix, t.Port))
		}
		t.Port = n
	}
	insecure, err := envBool(getenv, prefix+"INSECURE")
	if err != nil {
		return Target{}, err
	}
	if getenv(prefix+"VERIFY_TLS") != "" {
		verify, err := envBool(getenv, prefix+"VERIFY_TLS")
		if err != nil {
			return Target{}, err
		}
		if insecure && verify {
			return bad("VERIFY_TLS", fmt.Sprintf("true contradicts %sINSECURE=true; set one of them", prefix))
		}
		insecure = !verify
	}
	t.InsecureSkipVerify = insecure
	return t, nil
}

func envBool(getenv func(string) string, key string) (bool, error) {
	v := getenv(key)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, &Error{Source: "environment", Key: key, Msg: fmt.Sprintf("want true or false, got %q", v)}
	}
	return b, nil
}

// ApplyDefaults fills unset fields with their defaults.
func (c *Config) ApplyDefaults() {
	for i := range c.Targets {
		t := &c.Targets[i]
		t.Kind = strings.ToLower(t.Kind)
		if k := c.kind(t.Kind); k != nil {
			k.ApplyDefaults(t)
		}
		if t.Port == 0 {
			t.Port = 443
		}
		if t.Timeout == 0 {
			t.Timeout = Duration(60 * time.Second)
		}
		if t.MaxConcurrency == 0 {
			t.MaxConcurrency = 4
		}
	}
	if c.Safety.WriteParallelism == 0 {
		c.Safety.WriteParallelism = 1
	}
	if c.Safety.ConfirmTTL == 0 {
		c.Safety.ConfirmTTL = Duration(5 * time.Minute)
	}
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// kind returns the known kind named name, or nil.
func (c *Config) kind(name string) Kind {
	for _, k := range c.Kinds {
		if k.Name() == name {
			return k
		}
	}
	return nil
}

// kindNames lists the known kinds for a message: "a, b or c".
func (c *Config) kindNames() string {
	var names []string
	for _, k := range c.Kinds {
		names = append(names, k.Name())
	}
	switch len(names) {
	case 0:
		return "a kind this server knows (none is registered)"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// Validate checks every field and returns the first problem found.
func (c *Config) Validate() error {
	seen := map[string]bool{}
	for i, t := range c.Targets {
		key := func(k string) string { return fmt.Sprintf("targets[%d].%s", i, k) }
		bad := func(k, msg string) error { return &Error{Source: c.Source, Key: key(k), Msg: msg} }
		switch {
		case t.Name == "":
			return bad("name", "is required")
		case !nameRE.MatchString(t.Name):
			return bad("name", fmt.Sprintf("%q: use letters, digits, '.', '_' or '-'", t.Name))
		case seen[t.Name]:
			return bad("name", fmt.Sprintf("%q is used by another target", t.Name))
		case c.kind(t.Kind) == nil:
			return bad("kind", fmt.Sprintf("%q: want %s", t.Kind, c.kindNames()))
		case t.Host == "":
			return bad("host", "is required")
		case t.Port < 1 || t.Port > 65535:
			return bad("port", fmt.Sprintf("%d is not a TCP port", t.Port))
		case t.InlinePassword != "":
			return bad("password", "passwords are not read from the config file; use password_env, password_file or credentials_command")
		case t.MaxConcurrency < 1 || t.MaxConcurrency > 64:
			return bad("max_concurrency", fmt.Sprintf("%d: want 1 to 64", t.MaxConcurrency))
		case t.InsecureSkipVerify && t.CAFile != "":
			return bad("ca_file", "cannot be combined with insecure_skip_verify")
		}
		n := 0
		for _, set := range []bool{t.PasswordEnv != "", t.PasswordFile != "", len(t.CredentialsCommand) > 0} {
			if set {
				n++
			}
		}
		if n > 1 {
			return bad("password_env", "set only one of password_env, password_file and credentials_command")
		}
		if k, msg := c.kind(t.Kind).Validate(t); msg != "" {
			return bad(k, msg)
		}
		if t.CAFile != "" {
			if _, err := os.Stat(t.CAFile); err != nil {
				return bad("ca_file", fmt.Sprintf("cannot read %s: %v", t.CAFile, errors.Unwrap(err)))
			}
		}
		seen[t.Name] = true
	}
	if c.Safety.WriteParallelism < 1 || c.Safety.WriteParallelism > 64 {
		return &Error{Source: c.Source, Key: "safety.write_parallelism", Msg: fmt.Sprintf("%d: want 1 to 64", c.Safety.WriteParallelism)}
	}
	if err := c.Analysis.Validate(); err != nil {
		return &Error{Source: c.Source, Key: "analysis", Msg: err.Error()}
	}
	if err := c.Workflows.validate(c.Source); err != nil {
		return err
	}
	for t := range c.Workflows.Drills.IsolatedSubnet {
		if t != "*" && !slices.ContainsFunc(c.Targets, func(x Target) bool { return x.Name == t && x.Kind == KindNutanix }) {
			return &Error{Source: c.Source, Key: "workflows.drills.isolated_subnet." + t, Msg: "no Prism Central target has that name (use a nutanix target's name, or * for all)"}
		}
	}
	for key, v := range map[string]int64{
		"http.max_body_bytes": c.HTTP.MaxBodyBytes, "http.max_connections": int64(c.HTTP.MaxConnections),
		"http.max_requests_per_client": int64(c.HTTP.MaxRequestsPerClient), "http.max_streams_per_client": int64(c.HTTP.MaxStreamsPerClient),
	} {
		if v < 0 {
			return &Error{Source: c.Source, Key: key, Msg: fmt.Sprintf("%d: want a positive number (0 or absent: the default)", v)}
		}
	}
	for i, o := range c.HTTP.AllowedOrigins {
		if !strings.HasPrefix(o, "http://") && !strings.HasPrefix(o, "https://") {
			return &Error{Source: c.Source, Key: fmt.Sprintf("http.allowed_origins[%d]", i), Msg: fmt.Sprintf("%q: want an origin such as https://chat.example.com", o)}
		}
	}
	return nil
}

// resolveCredentials fills Password and APIKey. Error messages name the
// variable, file or command, never the value.
func (c *Config) resolveCredentials(ctx context.Context, getenv func(string) string) error {
	for i := range c.Targets {
		t := &c.Targets[i]
		key := func(k string) string { return fmt.Sprintf("targets[%d].%s", i, k) }
		switch {
		case t.PasswordEnv != "":
			v := getenv(t.PasswordEnv)
			if v == "" {
				return &Error{Source: c.Source, Key: key("password_env"), Msg: fmt.Sprintf("environment variable %s is not set", t.PasswordEnv)}
			}
			t.Password = NewSecret(v)
		case t.PasswordFile != "":
			b, err := os.ReadFile(t.PasswordFile)
			if err != nil {
				return &Error{Source: c.Source, Key: key("password_file"), Msg: fmt.Sprintf("cannot read %s: %v", t.PasswordFile, errors.Unwrap(err))}
			}
			t.Password = NewSecret(strings.TrimRight(string(b), "\r\n"))
		case len(t.CredentialsCommand) > 0:
			cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			out, err := exec.CommandContext(cctx, t.CredentialsCommand[0], t.CredentialsCommand[1:]...).Output()
			cancel()
			if err != nil {
				// The command's output may hold the secret: never quote it.
				return &Error{Source: c.Source, Key: key("credentials_command"), Msg: fmt.Sprintf("%s failed: %v", t.CredentialsCommand[0], exitReason(err))}
			}
			t.Password = NewSecret(strings.TrimRight(string(out), "\r\n"))
		}
		if t.APIKeyEnv != "" {
			v := getenv(t.APIKeyEnv)
			if v == "" {
				return &Error{Source: c.Source, Key: key("api_key_env"), Msg: fmt.Sprintf("environment variable %s is not set", t.APIKeyEnv)}
			}
			t.APIKey = NewSecret(v)
		}
	}
	return nil
}

// exitReason describes a failed command without its stderr, which may echo a
// secret.
func exitReason(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return fmt.Sprintf("exit status %d", ee.ExitCode())
	}
	return err.Error()
}

// Target returns the target with that name, or nil.
func (c *Config) Target(name string) *Target {
	for i := range c.Targets {
		if c.Targets[i].Name == name {
			return &c.Targets[i]
		}
	}
	return nil
}
