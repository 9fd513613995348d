package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestReadAuthTokens: a token file holds one token per line, one per
// client; comments and blank lines are skipped, short tokens refused.
func TestReadAuthTokens(t *testing.T) {
	cases := []struct {
		name, file string
		want       []string
		err        string
	}{
		{"one token", "token-aaaaaaaaaaaaaaaa\n", []string{"token-aaaaaaaaaaaaaaaa"}, ""},
		{"one per client", "# bots\ntoken-aaaaaaaaaaaaaaaa\n\n  token-bbbbbbbbbbbbbbbb  \r\n", []string{"token-aaaaaaaaaaaaaaaa", "token-bbbbbbbbbbbbbbbb"}, ""},
		{"short token", "token-aaaaaaaaaaaaaaaa\nshort\n", nil, "line 2"},
		{"empty", "# nothing\n", nil, "no token"},
		{"named", "token-aaaaaaaaaaaaaaaa principal=alice\ntoken-bbbbbbbbbbbbbbbb\n", []string{"token-aaaaaaaaaaaaaaaa", "token-bbbbbbbbbbbbbbbb"}, ""},
		{"bad name", "token-aaaaaaaaaaaaaaaa role=admin\n", nil, "principal=NAME"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "tokens")
			if err := os.WriteFile(p, []byte(c.file), 0o600); err != nil {
				t.Fatal(err)
			}
			got, names, err := readAuthTokens(p, nil)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want %q", err, c.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, c.want) {
				t.Fatalf("got %q, %v", got, err)
			}
			if c.name == "named" && (names["token-aaaaaaaaaaaaaaaa"] != "alice" || names["token-bbbbbbbbbbbbbbbb"] != "") {
				t.Errorf("principals %v", names)
			}
		})
	}
}
