package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Platform is one GOOS/GOARCH pair.
type Platform struct{ OS, Arch string }

func (p Platform) String() string { return p.OS + "/" + p.Arch }

func (p Platform) exe() string {
	if p.OS == "windows" {
		return "recovery-mcp.exe"
	}
	return "recovery-mcp"
}

// Platforms are what a release builds: Linux, macOS and Windows on amd64
// and arm64.
var Platforms = []Platform{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

// Options say what to build.
type Options struct {
	// Root is the module root (holding go.mod).
	Root string
	// Out receives the archives, SHA256SUMS and the bundle.
	Out string
	// Version is the release's semantic version, with or without a
	// leading v; Commit and Date (RFC 3339) go into `recovery-mcp version`.
	Version, Commit, Date string
	// Platforms to build; the bundle carries those of them it can run.
	Platforms []Platform
	// Node runs MCPB, the pinned @anthropic-ai/mcpb CLI (cli.js). Without
	// MCPB, no bundle is built.
	Node, MCPB string
	Logger     *slog.Logger
}

// Result lists what Build wrote, as paths under Out.
type Result struct {
	Archives []string
	Bundle   string
	Sums     string
}

var semverRE = regexp.MustCompile(`^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// Build cross-compiles the server for each platform (CGO_ENABLED=0,
// -trimpath, stripped, version, commit and date set by -ldflags), writes one
// archive per platform (.tar.gz, .zip for Windows), the MCP Bundle, and
// SHA256SUMS over all of them. Archive entries carry the commit's date, so
// the same commit builds the same archives.
func Build(ctx context.Context, o Options) (*Result, error) {
	if !semverRE.MatchString(o.Version) {
		return nil, fmt.Errorf("version %q is not a semantic version such as v1.2.3 or v1.2.3-rc.1", o.Version)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	mtime, err := time.Parse(time.RFC3339, o.Date)
	if err != nil {
		return nil, fmt.Errorf("date %q: want RFC 3339: %w", o.Date, err)
	}
	version := "v" + strings.TrimPrefix(o.Version, "v")
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, fmt.Errorf("output directory: %w", err)
	}
	work, err := os.MkdirTemp("", "recovery-mcp-release-")
	if err != nil {
		return nil, fmt.Errorf("work directory: %w", err)
	}
	defer os.RemoveAll(work)

	res := &Result{}
	bins := map[Platform]string{}
	for _, p := range o.Platforms {
		bin := filepath.Join(work, p.OS+"-"+p.Arch, p.exe())
		o.Logger.Info("building", "platform", p.String())
		if err := goBuild(ctx, o, version, p, bin); err != nil {
			return nil, err
		}
		bins[p] = bin
		name := "recovery-mcp_" + version + "_" + p.OS + "_" + p.Arch
		files := []archiveFile{
			{name + "/" + p.exe(), bin, 0o755},
			{name + "/README.md", filepath.Join(o.Root, "README.md"), 0o644},
		}
		archive := filepath.Join(o.Out, name+".tar.gz")
		if p.OS == "windows" {
			archive = filepath.Join(o.Out, name+".zip")
			err = writeZip(archive, files, mtime)
		} else {
			err = writeTarGz(archive, files, mtime)
		}
		if err != nil {
			return nil, err
		}
		res.Archives = append(res.Archives, archive)
	}
	if o.MCPB != "" {
		bundle := filepath.Join(o.Out, "recovery-mcp-"+strings.TrimPrefix(version, "v")+".mcpb")
		if err := buildBundle(ctx, o, bins, filepath.Join(work, "bundle"), bundle); err != nil {
			return nil, err
		}
		res.Bundle = bundle
	}
	res.Sums = filepath.Join(o.Out, "SHA256SUMS")
	sumOf := append(slices.Clone(res.Archives), res.Bundle)
	if err := writeSums(res.Sums, sumOf); err != nil {
		return nil, err
	}
	return res, nil
}

func goBuild(ctx context.Context, o Options, version string, p Platform, out string) error {
	ldflags := fmt.Sprintf("-s -w -X main.version=%s -X main.commit=%s -X main.date=%s", version, o.Commit, o.Date)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", ldflags, "-o", out, "./cmd/recovery-mcp")
	cmd.Dir = o.Root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Arch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build for %s: %w\n%s", p, err, b)
	}
	return nil
}

// linuxLauncherScript starts the Linux binary for the machine's CPU: MCPB
// chooses a command by operating system only.
const linuxLauncherScript = `#!/bin/sh
# Starts the recovery-mcp build for this machine's CPU (MCP Bundles choose a
# command by operating system only).
case "$(uname -m)" in
  x86_64|amd64) arch=amd64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) echo "recovery-mcp: this bundle has no Linux build for CPU $(uname -m)" >&2; exit 1 ;;
esac
bin="$(dirname "$0")/recovery-mcp-$arch"
if [ ! -x "$bin" ]; then
  echo "recovery-mcp: this bundle has no Linux build for $arch" >&2; exit 1
fi
exec "$bin" "$@"
`

// buildBundle lays out the bundle (manifest.json stamped with the version,
// the icon and the binaries at the paths the manifest names) and packs it
// with the mcpb CLI, which validates the manifest first. macOS gets one
// universal binary; Windows the amd64 build, which Windows on Arm runs
// under its x64 emulation (MCPB cannot choose by CPU; the arm64 build is in
// the archives); Linux a launcher that picks amd64 or arm64.
func buildBundle(ctx context.Context, o Options, bins map[Platform]string, stage, out string) error {
	put := func(rel, src string, mode os.FileMode) error {
		dst := filepath.Join(stage, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, mode)
	}
	var platforms []string
	var darwin []string
	for _, arch := range []string{"amd64", "arm64"} {
		if b, ok := bins[Platform{"darwin", arch}]; ok {
			darwin = append(darwin, b)
		}
	}
	if len(darwin) > 0 {
		if err := os.MkdirAll(filepath.Join(stage, "server", "darwin"), 0o755); err != nil {
			return err
		}
		if err := writeUniversal(filepath.Join(stage, filepath.FromSlash(darwinBinary)), darwin...); err != nil {
			return err
		}
		platforms = append(platforms, "darwin")
	}
	for _, arch := range []string{"amd64", "arm64"} {
		if b, ok := bins[Platform{"windows", arch}]; ok {
			if err := put(windowsBinary, b, 0o755); err != nil {
				return fmt.Errorf("bundle: %w", err)
			}
			platforms = append(platforms, "win32")
			break
		}
	}
	linux := false
	for _, arch := range []string{"amd64", "arm64"} {
		if b, ok := bins[Platform{"linux", arch}]; ok {
			if err := put(linuxLauncher+"-"+arch, b, 0o755); err != nil {
				return fmt.Errorf("bundle: %w", err)
			}
			linux = true
		}
	}
	if linux {
		if err := os.WriteFile(filepath.Join(stage, filepath.FromSlash(linuxLauncher)), []byte(linuxLauncherScript), 0o755); err != nil {
			return fmt.Errorf("bundle: %w", err)
		}
		platforms = append(platforms, "linux")
	}
	if len(platforms) == 0 {
		return errors.New("bundle: no platform to carry")
	}
	m := buildManifest(strings.TrimPrefix(o.Version, "v"), platforms)
	data, err := encodeManifest(m)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(stage, "manifest.json"), data, 0o644); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	icon, err := iconPNG()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(stage, iconFile), icon, 0o644); err != nil {
		return fmt.Errorf("bundle: %w", err)
	}
	o.Logger.Info("packing the bundle with the mcpb CLI", "platforms", platforms)
	if b, err := runMCPB(ctx, o.Node, o.MCPB, "pack", stage, out); err != nil {
		return fmt.Errorf("mcpb pack: %w\n%s", err, b)
	}
	return nil
}

// runMCPB runs the mcpb CLI and returns its combined output.
func runMCPB(ctx context.Context, node, cli string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, node, append([]string{cli}, args...)...)
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err := cmd.Run()
	return b.Bytes(), err
}

type archiveFile struct {
	name, src string
	mode      int64
}

func writeTarGz(out string, files []archiveFile, mtime time.Time) (err error) {
	f, err := os.Create(out)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("archive %s: %w", out, cerr)
		}
	}()
	gz := gzip.NewWriter(f)
	gz.ModTime = mtime
	tw := tar.NewWriter(gz)
	for _, af := range files {
		data, err := os.ReadFile(af.src)
		if err != nil {
			return fmt.Errorf("archive %s: %w", out, err)
		}
		h := &tar.Header{Name: af.name, Mode: af.mode, Size: int64(len(data)), ModTime: mtime, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("archive %s: %w", out, err)
		}
		if _, err := tw.Write(data); err != nil {
			return fmt.Errorf("archive %s: %w", out, err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("archive %s: %w", out, err)
	}
	if err := gz.Close(); err != nil {
		return fmt.Errorf("archive %s: %w", out, err)
	}
	return nil
}

func writeZip(out string, files []archiveFile, mtime time.Time) (err error) {
	f, err := os.Create(out)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("archive %s: %w", out, cerr)
		}
	}()
	zw := zip.NewWriter(f)
	for _, af := range files {
		data, err := os.ReadFile(af.src)
		if err != nil {
			return fmt.Errorf("archive %s: %w", out, err)
		}
		h := &zip.FileHeader{Name: af.name, Method: zip.Deflate, Modified: mtime.UTC()}
		h.SetMode(os.FileMode(af.mode))
		w, err := zw.CreateHeader(h)
		if err != nil {
			return fmt.Errorf("archive %s: %w", out, err)
		}
		if _, err := w.Write(data); err != nil {
			return fmt.Errorf("archive %s: %w", out, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("archive %s: %w", out, err)
	}
	return nil
}

// writeSums writes SHA256SUMS in the format `sha256sum -c` checks: one
// "<hex>  <file name>" line per file, sorted by name.
func writeSums(out string, files []string) error {
	var lines []string
	for _, p := range files {
		if p == "" {
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("checksum: %w", err)
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		_ = f.Close()
		if err != nil {
			return fmt.Errorf("checksum %s: %w", p, err)
		}
		lines = append(lines, hex.EncodeToString(h.Sum(nil))+"  "+filepath.Base(p))
	}
	slices.SortFunc(lines, func(a, b string) int { return strings.Compare(a[66:], b[66:]) })
	return os.WriteFile(out, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}
