// Command release builds a recovery-mcp release: one archive per platform
// (Linux, macOS and Windows on amd64 and arm64; pure Go, CGO_ENABLED=0), the
// MCP Bundle (.mcpb) for Claude Desktop, and SHA256SUMS over them.
//
//	go run ./internal/release                  # into dist/, version from git
//	go run ./internal/release -version v1.2.0 -out /tmp/rel
//
// The version is -version, else the v* tag at HEAD, else
// 0.0.0-dev.<commit>; the commit and its date go into the binaries
// (`recovery-mcp version`) and date the archive entries, so one commit and
// Go toolchain always build the same archives. The bundle is packed with the
// pinned mcpb CLI (internal/release/mcpb, installed with npm ci when
// missing), which needs Node.js; -bundle=false builds the archives alone.
//
// The bundle's manifest.json is generated (manifest.go): its tool and prompt
// lists come from the live catalog. internal/release/manifest.json is the
// same manifest with version 0.0.0-dev, kept for review and kept equal by
// TestManifestMatchesCatalog (UPDATE_MANIFEST=1 go test ./internal/release
// -run 'Manifest|Icon' rewrites it and icon.png).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	out := fs.String("out", "dist", "output directory")
	version := fs.String("version", "", "release version, e.g. v1.2.0 (default: from git)")
	platforms := fs.String("platforms", "", "comma-separated GOOS/GOARCH list (default: all six)")
	bundle := fs.Bool("bundle", true, "also build the MCP Bundle (needs Node.js)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	o := Options{Root: root, Out: *out, Logger: logger, Platforms: Platforms}
	if *platforms != "" {
		o.Platforms = nil
		for _, s := range strings.Split(*platforms, ",") {
			goos, goarch, ok := strings.Cut(strings.TrimSpace(s), "/")
			if !ok {
				return fmt.Errorf("-platforms %q: want GOOS/GOARCH pairs such as linux/amd64", s)
			}
			o.Platforms = append(o.Platforms, Platform{goos, goarch})
		}
	}
	if o.Commit, o.Date, o.Version, err = gitInfo(ctx, root); err != nil {
		return err
	}
	if *version != "" {
		o.Version = *version
	}
	if *bundle {
		if o.Node, o.MCPB, err = ensureMCPB(ctx, root, logger); err != nil {
			return err
		}
	}
	res, err := Build(ctx, o)
	if err != nil {
		return err
	}
	for _, p := range append(res.Archives, res.Bundle, res.Sums) {
		if p != "" {
			fmt.Println(p)
		}
	}
	return nil
}

func moduleRoot(ctx context.Context) (string, error) {
	b, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(b))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("run this inside the recovery-mcp module (go env GOMOD: %q, %v)", gomod, err)
	}
	return filepath.Dir(gomod), nil
}

// gitInfo returns HEAD's commit and commit date (UTC, RFC 3339) and the
// version: the v* tag at HEAD, else 0.0.0-dev.<short commit>; ".dirty" marks
// uncommitted changes. Outside git it returns "unknown", now and 0.0.0-dev.
func gitInfo(ctx context.Context, root string) (commit, date, version string, err error) {
	git := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = root
		b, err := cmd.Output()
		return strings.TrimSpace(string(b)), err
	}
	commit, err = git("rev-parse", "HEAD")
	if err != nil {
		return "unknown", time.Now().UTC().Format(time.RFC3339), devVersion, nil
	}
	raw, err := git("log", "-1", "--format=%cI", "HEAD")
	if err != nil {
		return "", "", "", fmt.Errorf("git log: %w", err)
	}
	t, err := time.Parse(time.RFC3339, raw)
	if err != nil {
		return "", "", "", fmt.Errorf("commit date %q: %w", raw, err)
	}
	date = t.UTC().Format(time.RFC3339)
	dirty := false
	if st, err := git("status", "--porcelain", "--untracked-files=no"); err == nil && st != "" {
		dirty = true
	}
	if tag, err := git("describe", "--tags", "--exact-match", "--match", "v[0-9]*", "HEAD"); err == nil && semverRE.MatchString(tag) {
		version = tag
		if dirty {
			version += "+dirty"
		}
		return commit, date, version, nil
	}
	version = devVersion + "." + commit[:min(12, len(commit))]
	if dirty {
		version += ".dirty"
	}
	return commit, date, version, nil
}

// mcpbDir holds the pinned mcpb CLI (package.json, package-lock.json).
const mcpbDir = "internal/release/mcpb"

// ensureMCPB returns node and the pinned mcpb CLI, running npm ci in
// internal/release/mcpb first when it is not installed.
func ensureMCPB(ctx context.Context, root string, logger *slog.Logger) (node, cli string, err error) {
	node, err = exec.LookPath("node")
	if err != nil {
		return "", "", errors.New("the bundle is packed with the mcpb CLI, which needs Node.js (>= 18) and npm on PATH; install them or pass -bundle=false")
	}
	dir := filepath.Join(root, filepath.FromSlash(mcpbDir))
	cli = filepath.Join(dir, "node_modules", "@anthropic-ai", "mcpb", "dist", "cli", "cli.js")
	if msg := mcpbInstalled(dir); msg == "" {
		return node, cli, nil
	}
	logger.Info("installing the pinned mcpb CLI", "dir", mcpbDir)
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", "", fmt.Errorf("npm ci in %s: %w", mcpbDir, err)
	}
	if msg := mcpbInstalled(dir); msg != "" {
		return "", "", errors.New(msg)
	}
	return node, cli, nil
}
