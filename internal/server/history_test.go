package server

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/config"
	"github.com/recovery-mcp/recovery-mcp/internal/store"
)

// TestStateFileKeepsTheEstateHistory: the collector records its samples in
// the workflow state file, so predictions see trends across restarts.
func TestStateFileKeepsTheEstateHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	cfg := &config.Config{Source: "test.yaml"}
	cfg.Workflows.StateFile = path
	s, err := New(Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	h := s.Env.Collector.History
	if h == nil || s.wf == nil || !s.wf.persistent {
		t.Fatalf("history store %v, engine %+v", h, s.wf)
	}
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	if err := h.RecordHistory(context.Background(), []store.CapacityRow{{EntityID: "vol-1", Time: at, UsedBytes: 10, SizeBytes: 100}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// A second life of the server reads it back.
	s2, err := New(Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	rows, err := s2.Env.Collector.History.CapacitySince(context.Background(), at.Add(-time.Hour))
	if err != nil || len(rows) != 1 || rows[0].UsedBytes != 10 {
		t.Fatalf("history after a restart: %v %v", rows, err)
	}
}
