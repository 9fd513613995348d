package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/macho"
	"encoding/binary"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// thinMachO writes a minimal 64-bit Mach-O executable header (no load
// commands) for cpu, followed by filler bytes.
func thinMachO(t *testing.T, dir string, cpu macho.Cpu, sub uint32, filler byte) string {
	t.Helper()
	var b bytes.Buffer
	hdr := macho.FileHeader{Magic: macho.Magic64, Cpu: cpu, SubCpu: sub, Type: macho.TypeExec}
	if err := binary.Write(&b, binary.LittleEndian, hdr); err != nil {
		t.Fatal(err)
	}
	b.Write(make([]byte, 4)) // reserved field of mach_header_64
	b.Write(bytes.Repeat([]byte{filler}, 5000))
	p := filepath.Join(dir, cpu.String())
	if err := os.WriteFile(p, b.Bytes(), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWriteUniversal(t *testing.T) {
	dir := t.TempDir()
	amd := thinMachO(t, dir, macho.CpuAmd64, 3, 0xaa)
	arm := thinMachO(t, dir, macho.CpuArm64, 0, 0xbb)
	out := filepath.Join(dir, "fat")
	if err := writeUniversal(out, amd, arm); err != nil {
		t.Fatal(err)
	}
	ff, err := macho.OpenFat(out)
	if err != nil {
		t.Fatalf("not a universal binary: %v", err)
	}
	defer ff.Close()
	if len(ff.Arches) != 2 {
		t.Fatalf("%d slices, want 2", len(ff.Arches))
	}
	raw, _ := os.ReadFile(out)
	for i, want := range []struct {
		cpu  macho.Cpu
		sub  uint32
		file string
	}{{macho.CpuAmd64, 3, amd}, {macho.CpuArm64, 0, arm}} {
		a := ff.Arches[i]
		thin, _ := os.ReadFile(want.file)
		switch {
		case a.Cpu != want.cpu || a.SubCpu != want.sub:
			t.Errorf("slice %d: cpu %v/%d, want %v/%d", i, a.Cpu, a.SubCpu, want.cpu, want.sub)
		case a.Offset%(1<<fatAlign) != 0 || a.Align != fatAlign:
			t.Errorf("slice %d: offset %d align %d", i, a.Offset, a.Align)
		case !bytes.Equal(raw[a.Offset:a.Offset+a.Size], thin):
			t.Errorf("slice %d is not the thin binary byte for byte", i)
		}
	}
	if err := writeUniversal(filepath.Join(dir, "bad"), filepath.Join(dir, "fat"+"-missing")); err == nil {
		t.Error("a missing slice gave no error")
	}
	notMachO := filepath.Join(dir, "script")
	os.WriteFile(notMachO, []byte("#!/bin/sh\n"), 0o755)
	if err := writeUniversal(filepath.Join(dir, "bad"), notMachO); err == nil || !strings.Contains(err.Error(), "not a thin Mach-O") {
		t.Errorf("non-Mach-O input: %v", err)
	}
}

// TestArchivesAndSums checks the archive formats (entry names, modes, the
// commit's date on every entry) and SHA256SUMS against sha256 itself.
func TestArchivesAndSums(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	readme := filepath.Join(dir, "README.md")
	os.WriteFile(bin, []byte("binary"), 0o755)
	os.WriteFile(readme, []byte("readme"), 0o644)
	mtime := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	files := []archiveFile{{"x/recovery-mcp", bin, 0o755}, {"x/README.md", readme, 0o644}}
	tgz, zp := filepath.Join(dir, "a.tar.gz"), filepath.Join(dir, "a.zip")
	if err := writeTarGz(tgz, files, mtime); err != nil {
		t.Fatal(err)
	}
	if err := writeZip(zp, files, mtime); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"x/recovery-mcp": "binary", "x/README.md": "readme"}
	wantMode := map[string]os.FileMode{"x/recovery-mcp": 0o755, "x/README.md": 0o644}

	f, _ := os.Open(tgz)
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	n := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		if want[h.Name] != string(body) || os.FileMode(h.Mode) != wantMode[h.Name] || !h.ModTime.Equal(mtime) {
			t.Errorf("tar entry %s: %q mode %o time %v", h.Name, body, h.Mode, h.ModTime)
		}
		n++
	}
	zr, err := zip.OpenReader(zp)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, zf := range zr.File {
		rc, _ := zf.Open()
		body, _ := io.ReadAll(rc)
		rc.Close()
		if want[zf.Name] != string(body) || zf.Mode().Perm() != wantMode[zf.Name] || !zf.Modified.Equal(mtime) {
			t.Errorf("zip entry %s: %q mode %v time %v", zf.Name, body, zf.Mode(), zf.Modified)
		}
		n++
	}
	if n != 4 {
		t.Errorf("%d entries in the two archives, want 4", n)
	}

	sums := filepath.Join(dir, "SHA256SUMS")
	if err := writeSums(sums, []string{zp, tgz, ""}); err != nil {
		t.Fatal(err)
	}
	checkSums(t, sums, 2)
}

// checkSums verifies every line of a SHA256SUMS file against the file it
// names (beside it), as `sha256sum -c` does, and returns the names.
func checkSums(t *testing.T, sums string, wantLines int) []string {
	t.Helper()
	raw, err := os.ReadFile(sums)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	if len(lines) != wantLines {
		t.Fatalf("SHA256SUMS has %d lines, want %d:\n%s", len(lines), wantLines, raw)
	}
	var names []string
	for _, l := range lines {
		sum, name, ok := strings.Cut(l, "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q", l)
		}
		data, err := os.ReadFile(filepath.Join(filepath.Dir(sums), name))
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(data)
		if hex.EncodeToString(h[:]) != sum {
			t.Errorf("%s: checksum mismatch", name)
		}
		names = append(names, name)
	}
	for i := 1; i < len(names); i++ {
		if names[i-1] > names[i] {
			t.Errorf("SHA256SUMS not sorted by name: %v", names)
		}
	}
	return names
}

func TestBuildRefusesBadInput(t *testing.T) {
	cases := []struct{ name, version, date, want string }{
		{"not semver", "1.2", "2026-12-01T10:00:00Z", "not a semantic version"},
		{"bad date", "v1.2.3", "yesterday", "RFC 3339"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Build(t.Context(), Options{Out: t.TempDir(), Version: c.version, Date: c.date})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}
