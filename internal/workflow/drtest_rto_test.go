package workflow

import (
	"strings"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
)

// TestExpectedRTO: the estimate counts the final update only when the
// primary answers and the last transfer's duration is known, and says so.
func TestExpectedRTO(t *testing.T) {
	for _, tc := range []struct {
		name      string
		last      ontap.ISODuration
		primaryOK bool
		want      int64
		basis     string
	}{
		{"primary answers, last transfer 28m41s", "PT28M41S", true, 60 + 28*60 + 41, "last transfer (28m41s)"},
		{"primary down: no final update", "PT28M41S", false, 60, "quiesce and break"},
		{"duration unknown", "", true, 60, "is unknown"},
		{"duration unparsable", "soon", true, 60, "is unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, basis := expectedRTO(tc.last, tc.primaryOK)
			if got != tc.want || !strings.Contains(basis, tc.basis) {
				t.Errorf("expectedRTO(%q, %v) = %d, %q; want %d and a basis naming %q", tc.last, tc.primaryOK, got, basis, tc.want, tc.basis)
			}
		})
	}
}
