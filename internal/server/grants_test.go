package server

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/safety"
	"github.com/recovery-mcp/recovery-mcp/internal/store"
)

// Two servers sharing a state file: a confirm token issued by one is
// honoured once by either, never twice, even when both redeem at once; a
// token for another call is refused and stays valid.
func TestConfirmGrantsSharedThroughTheStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	tokens := func() *safety.Tokens {
		db, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		g, err := newSQLGrants(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		return safety.NewTokens(time.Minute, nil).WithStore(g)
	}
	a, b := tokens(), tokens()
	bind := safety.Binding{Tool: "ontap_restore_volume", Target: "ontap-prod", Args: map[string]any{"volume": "v"}, Principal: "token:x", Effect: "e1"}
	code, _, err := a.Issue(context.Background(), bind)
	if err != nil {
		t.Fatal(err)
	}
	other := bind
	other.Args = map[string]any{"volume": "w"}
	if err := b.Redeem(context.Background(), code, other); !errors.Is(err, safety.ErrTokenMismatch) {
		t.Errorf("other call: %v", err)
	}
	if err := b.Redeem(context.Background(), code, bind); err != nil {
		t.Fatalf("redeem on the other replica: %v", err)
	}
	if err := a.Redeem(context.Background(), code, bind); !errors.Is(err, safety.ErrTokenUnknown) {
		t.Errorf("second redeem: %v", err)
	}
	for range 20 {
		code, _, err := a.Issue(context.Background(), bind)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for _, tk := range []*safety.Tokens{a, b, a, b} {
			wg.Go(func() {
				if tk.Redeem(context.Background(), code, bind) == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if ok != 1 {
			t.Fatalf("a grant was honoured %d times", ok)
		}
	}
	changed := bind
	changed.Effect = "e2"
	code, _, _ = a.Issue(context.Background(), bind)
	if err := b.Redeem(context.Background(), code, changed); !errors.Is(err, safety.ErrEffectChanged) {
		t.Errorf("changed effect: %v", err)
	}
	if err := a.Redeem(context.Background(), code, bind); !errors.Is(err, safety.ErrTokenUnknown) {
		t.Errorf("a grant used up by a changed effect was honoured: %v", err)
	}
}
