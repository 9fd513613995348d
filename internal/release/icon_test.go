package main

import (
	"bytes"
	"image/png"
	"os"
	"testing"
)

// TestIcon checks the drawn icon and keeps icon.png (beside manifest.json,
// so `mcpb validate internal/release/manifest.json` finds it) equal to it;
// UPDATE_MANIFEST=1 rewrites it.
func TestIcon(t *testing.T) {
	data, err := iconPNG()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 512 || b.Dy() != 512 {
		t.Fatalf("icon is %v, want 512x512", b)
	}
	probes := []struct {
		name       string
		x, y       int
		wantAlpha  bool
		wantWhite  bool
		wantBlueBg bool
	}{
		{"corner outside the rounded square", 2, 2, false, false, false},
		{"centre is background", 256, 256, true, false, true},
		{"ring at 180 degrees", 256 - 155, 256, true, true, false},
		{"gap at 50 degrees", 256 + 99, 256 - 119, true, false, true},
	}
	for _, p := range probes {
		r, g, b, a := img.At(p.x, p.y).RGBA()
		if (a > 0) != p.wantAlpha || (r > 0xf000 && g > 0xf000 && b > 0xf000) != p.wantWhite || (b > r && b > 0x7000 && r < 0x4000) != p.wantBlueBg {
			t.Errorf("%s: pixel (%d,%d) is %x %x %x %x", p.name, p.x, p.y, r, g, b, a)
		}
	}
	got, err := os.ReadFile(iconFile)
	if err == nil && bytes.Equal(got, data) {
		return
	}
	if os.Getenv("UPDATE_MANIFEST") == "1" {
		if err := os.WriteFile(iconFile, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("internal/release/icon.png differs from the drawn icon (%v); run: UPDATE_MANIFEST=1 go test ./internal/release -run Icon", err)
}
