package ontap

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Default field lists for SnapMirror objects.
const (
	RelationshipFields = "uuid,source,destination,policy,state,healthy,unhealthy_reason,lag_time,exported_snapshot," +
		"last_transfer_type,transfer,transfer_schedule,throttle,group_type,restore,total_transfer_bytes,total_transfer_duration"
	TransferFields = "uuid,state,bytes_transferred,checkpoint_size,end_time,last_updated_time,total_duration," +
		"snapshot,source_snapshot,error_info,throttle,relationship"
	SnapmirrorPolicyFields = "uuid,name,comment,type,sync_type,scope,svm,transfer_schedule,throttle," +
		"network_compression_enabled,copy_all_source_snapshots,copy_latest_source_snapshot," +
		"create_snapshot_on_source,identity_preservation,rpo,retention"
)

// SnapMirror relationship states.
const (
	StateUninitialized = "uninitialized"
	StateSnapmirrored  = "snapmirrored"
	StatePaused        = "paused"
	StateBrokenOff     = "broken_off"
	StateInSync        = "in_sync"
)

func relPath(uuid string) string { return "/snapmirror/relationships/" + url.PathEscape(uuid) }

// ListSnapmirrorRelationships lists relationships. ONTAP lists them on the
// destination cluster; on the source, put "list_destinations_only": "true"
// in opts.Query. Fields default to RelationshipFields.
func (c *Client) ListSnapmirrorRelationships(ctx context.Context, opts *ListOptions) ([]SnapmirrorRelationship, error) {
	return listAll[SnapmirrorRelationship](ctx, c, "/snapmirror/relationships", opts.query(RelationshipFields), opts.limit())
}

// GetSnapmirrorRelationship reads one relationship.
func (c *Client) GetSnapmirrorRelationship(ctx context.Context, uuid string, fields ...string) (*SnapmirrorRelationship, error) {
	var r SnapmirrorRelationship
	if err := c.getJSON(ctx, relPath(uuid), fieldsQuery(fields, RelationshipFields), &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// StateChange carries the optional flags of a relationship state change.
type StateChange struct {
	// RestoreToSnapshot restores the destination to this snapshot on break.
	RestoreToSnapshot string
	// Preserve keeps destination snapshots newer than the common one on
	// resync; QuickResync skips storage efficiency on resync.
	Preserve    bool
	QuickResync bool
	// Force forces a break despite validation errors (?force=true).
	Force bool
}

// SetSnapmirrorState asks for a relationship state (PATCH {"state": ...}):
// snapmirrored (initialize, resume or resync), paused (quiesce),
// broken_off (break), or in_sync for synchronous policies. ONTAP only
// starts the transition: the job ends when it is accepted, and a transfer
// (initialize, resync) may still run; poll the relationship's state and
// healthy fields. Setting an absolute state is idempotent, so it is
// retried safely.
func (c *Client) SetSnapmirrorState(ctx context.Context, uuid, state string, ch *StateChange, opts ...CallOption) (*Result, error) {
	body := map[string]any{"state": state}
	q := url.Values{}
	if ch != nil {
		if ch.RestoreToSnapshot != "" {
			body["restore_to_snapshot"] = ch.RestoreToSnapshot
		}
		if ch.Preserve {
			body["preserve"] = true
		}
		if ch.QuickResync {
			body["quick_resync"] = true
		}
		if ch.Force {
			q.Set("force", "true")
		}
	}
	return c.mutate(ctx, http.MethodPatch, relPath(uuid), q, body, retrySafe, opts)
}

// QuiesceSnapmirror pauses scheduled transfers (state paused).
func (c *Client) QuiesceSnapmirror(ctx context.Context, uuid string, opts ...CallOption) (*Result, error) {
	return c.SetSnapmirrorState(ctx, uuid, StatePaused, nil, opts...)
}

// ResumeSnapmirror resumes a quiesced relationship (state snapmirrored).
func (c *Client) ResumeSnapmirror(ctx context.Context, uuid string, opts ...CallOption) (*Result, error) {
	return c.SetSnapmirrorState(ctx, uuid, StateSnapmirrored, nil, opts...)
}

// BreakSnapmirror breaks the relationship (state broken_off): the
// destination becomes writable. Destructive for protection.
func (c *Client) BreakSnapmirror(ctx context.Context, uuid, restoreToSnapshot string, opts ...CallOption) (*Result, error) {
	var ch *StateChange
	if restoreToSnapshot != "" {
		ch = &StateChange{RestoreToSnapshot: restoreToSnapshot}
	}
	return c.SetSnapmirrorState(ctx, uuid, StateBrokenOff, ch, opts...)
}

// ResyncSnapmirror resynchronizes a broken-off relationship (state
// snapmirrored from broken_off): the destination goes back to the common
// snapshot, losing newer changes unless preserve keeps its snapshots.
// Destructive.
func (c *Client) ResyncSnapmirror(ctx context.Context, uuid string, preserve bool, opts ...CallOption) (*Result, error) {
	return c.SetSnapmirrorState(ctx, uuid, StateSnapmirrored, &StateChange{Preserve: preserve}, opts...)
}

// TransferRequest starts a transfer.
type TransferRequest struct {
	// SourceSnapshot transfers that snapshot instead of a new one.
	SourceSnapshot string
	// Throttle in KB/s (0: the relationship's).
	Throttle int64
}

// UpdateSnapmirror starts a transfer (POST .../transfers): an update, or
// the initialize of an uninitialized relationship. ONTAP answers 201
// without a job; follow it with WaitSnapmirrorTransfer. A transfer already
// running gives code 13303812 (IsTransferInProgress). Never retried after
// an ambiguous failure.
func (c *Client) UpdateSnapmirror(ctx context.Context, uuid string, r TransferRequest) (*SnapmirrorTransfer, error) {
	body := map[string]any{}
	if r.SourceSnapshot != "" {
		body["source_snapshot"] = r.SourceSnapshot
	}
	if r.Throttle > 0 {
		body["throttle"] = r.Throttle
	}
	q := url.Values{"return_records": {"true"}}
	resp, err := c.do(ctx, call{method: http.MethodPost, path: relPath(uuid) + "/transfers", query: q, body: body, class: retryUnsafe})
	if err != nil {
		return nil, err
	}
	var page struct {
		Records []SnapmirrorTransfer `json:"records"`
	}
	if err := decode(resp.body, &page, "transfer"); err != nil {
		return nil, err
	}
	if len(page.Records) > 0 && page.Records[0].UUID != "" {
		return &page.Records[0], nil
	}
	if loc := resp.header.Get("Location"); loc != "" {
		if u, err := url.Parse(loc); err == nil {
			p := strings.TrimSuffix(u.Path, "/")
			return &SnapmirrorTransfer{UUID: p[strings.LastIndex(p, "/")+1:], State: "queued"}, nil
		}
	}
	return nil, fmt.Errorf("ontap: transfer of relationship %s started but ONTAP did not say which (no records, no Location)", uuid)
}

// ListSnapmirrorTransfers lists a relationship's transfers.
func (c *Client) ListSnapmirrorTransfers(ctx context.Context, relUUID string, opts *ListOptions) ([]SnapmirrorTransfer, error) {
	return listAll[SnapmirrorTransfer](ctx, c, relPath(relUUID)+"/transfers", opts.query(TransferFields), opts.limit())
}

// GetSnapmirrorTransfer reads one transfer.
func (c *Client) GetSnapmirrorTransfer(ctx context.Context, relUUID, uuid string, fields ...string) (*SnapmirrorTransfer, error) {
	var t SnapmirrorTransfer
	if err := c.getJSON(ctx, relPath(relUUID)+"/transfers/"+url.PathEscape(uuid), fieldsQuery(fields, TransferFields), &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// TransferProgress is reported at every poll of a transfer.
type TransferProgress struct {
	UUID             string
	State            string
	BytesTransferred int64
	Polls            int
}

// WaitSnapmirrorTransfer polls a transfer with exponential backoff until
// it ends. A failed or aborted transfer returns it and a *TransferError.
// ONTAP documents the transfers collection as "ongoing" transfers: when the
// transfer is no longer found, the relationship's transfer field tells how
// it ended.
func (c *Client) WaitSnapmirrorTransfer(ctx context.Context, relUUID, uuid string, progress func(TransferProgress)) (*SnapmirrorTransfer, error) {
	wait := c.pollMin
	for polls := 1; ; polls++ {
		t, err := c.GetSnapmirrorTransfer(ctx, relUUID, uuid)
		if IsNotFound(err) {
			rel, rerr := c.GetSnapmirrorRelationship(ctx, relUUID, "uuid", "transfer", "unhealthy_reason")
			if rerr != nil {
				return nil, fmt.Errorf("ontap: wait for transfer %s: %w", uuid, rerr)
			}
			if rel.Transfer != nil && (rel.Transfer.UUID == "" || rel.Transfer.UUID != uuid) {
				t = &SnapmirrorTransfer{UUID: uuid, State: rel.Transfer.State, BytesTransferred: rel.Transfer.BytesTransferred,
					EndTime: rel.Transfer.EndTime, TotalDuration: rel.Transfer.TotalDuration}
				if len(rel.UnhealthyReason) > 0 && t.State != "success" {
					var code flexInt
					_ = json.Unmarshal([]byte(`"`+rel.UnhealthyReason[0].Code+`"`), &code)
					t.ErrorInfo = &TransferErrorInfo{Code: int64(code), Message: rel.UnhealthyReason[0].Message}
				}
				err = nil
			}
		}
		if err != nil {
			return nil, fmt.Errorf("ontap: wait for transfer %s: %w", uuid, err)
		}
		if progress != nil {
			progress(TransferProgress{UUID: uuid, State: t.State, BytesTransferred: t.BytesTransferred, Polls: polls})
		}
		if t.Finished() {
			if t.State != "success" {
				return t, &TransferError{RelationshipUUID: relUUID, Transfer: t}
			}
			return t, nil
		}
		if err := sleep(ctx, wait); err != nil {
			return t, err
		}
		wait *= 2
		if wait > c.pollMax {
			wait = c.pollMax
		}
	}
}

// AbortSnapmirrorTransfer aborts a running transfer (hard also discards
// the restart checkpoint). An absolute state: retried safely.
func (c *Client) AbortSnapmirrorTransfer(ctx context.Context, relUUID, uuid string, hard bool) error {
	st := "aborted"
	if hard {
		st = "hard_aborted"
	}
	_, err := c.do(ctx, call{method: http.MethodPatch, path: relPath(relUUID) + "/transfers/" + url.PathEscape(uuid),
		body: map[string]any{"state": st}, class: retrySafe})
	return err
}

// ListSnapmirrorPolicies lists SnapMirror policies.
func (c *Client) ListSnapmirrorPolicies(ctx context.Context, opts *ListOptions) ([]SnapmirrorPolicy, error) {
	return listAll[SnapmirrorPolicy](ctx, c, "/snapmirror/policies", opts.query(SnapmirrorPolicyFields), opts.limit())
}
