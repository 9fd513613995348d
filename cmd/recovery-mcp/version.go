package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"
)

// Set at build time by the release build (internal/release):
//
//	-ldflags "-X main.version=v1.2.3 -X main.commit=<sha> -X main.date=<RFC 3339>"
//
// A plain `go build` or `go install` leaves them empty, and buildMeta falls
// back to the module version and VCS stamps Go embeds in the binary.
var (
	version = ""
	commit  = ""
	date    = ""
)

// buildMeta says what a binary is: its version, the commit it was built
// from and when.
type buildMeta struct {
	Version  string `json:"version"`
	Commit   string `json:"commit"`
	Date     string `json:"date"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
	Platform string `json:"platform"`
}

// resolveBuild prefers the linker-set values and falls back to the build
// information Go embeds: the module version (set by go install
// module@version), vcs.revision, vcs.time and vcs.modified (set by go build
// in a checkout), or the commit and time a pseudo-version names. What none knows is "unknown"; the version is then "dev".
func resolveBuild(ldVersion, ldCommit, ldDate string, bi *debug.BuildInfo) buildMeta {
	m := buildMeta{Version: ldVersion, Commit: ldCommit, Date: ldDate, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi != nil {
		if m.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			m.Version = bi.Main.Version
		}
		if bi.GoVersion != "" {
			m.Go = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if m.Commit == "" {
					m.Commit = s.Value
				}
			case "vcs.time":
				if m.Date == "" {
					m.Date = s.Value
				}
			case "vcs.modified":
				m.Modified = s.Value == "true" && ldCommit == ""
			}
		}
	}
	// go install module@<commit> builds a pseudo-version that names the
	// commit and its time.
	if p := pseudoVersionRE.FindStringSubmatch(m.Version); p != nil {
		if m.Commit == "" {
			m.Commit = p[2]
		}
		if t, err := time.Parse("20060102150405", p[1]); err == nil && m.Date == "" {
			m.Date = t.UTC().Format(time.RFC3339)
		}
	}
	if m.Version == "" {
		m.Version = "dev"
	}
	if m.Commit == "" {
		m.Commit = "unknown"
	}
	if m.Date == "" {
		m.Date = "unknown"
	}
	return m
}

// pseudoVersionRE matches the time and commit of a Go pseudo-version such
// as v0.0.0-20261201100000-0123456789ab or v1.2.4-0.20261201100000-0123456789ab.
var pseudoVersionRE = regexp.MustCompile(`[-.](\d{14})-([0-9a-f]{12})(?:\+incompatible)?$`)

func currentBuild() buildMeta {
	bi, _ := debug.ReadBuildInfo()
	return resolveBuild(version, commit, date, bi)
}

// buildVersion is the version the server reports in initialize.
func buildVersion() string { return currentBuild().Version }

// String is the one line `recovery-mcp version` prints.
func (m buildMeta) String() string {
	c := m.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	if m.Modified {
		c += " (modified)"
	}
	return fmt.Sprintf("recovery-mcp %s (commit %s, built %s, %s %s)", m.Version, c, m.Date, m.Go, m.Platform)
}

func newVersionCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m := currentBuild()
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(m)
			}
			_, err := fmt.Fprintln(cmd.OutOrStdout(), m)
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
