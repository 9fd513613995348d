package ontap

import (
	"context"
	"net/http"
)

// RelationshipCreate describes a new SnapMirror relationship. ONTAP creates
// it with POST /snapmirror/relationships on the destination cluster (the
// source SVM must be peered with the destination SVM).
type RelationshipCreate struct {
	// SourcePath and DestinationPath are "svm:volume".
	SourcePath      string
	DestinationPath string
	// CreateDestination provisions the destination volume (type dp, sized
	// from the source) as part of the create: create_destination.enabled.
	CreateDestination bool
	// Policy is the SnapMirror policy name (ONTAP's default: Asynchronous).
	Policy string
	// TransferSchedule is a cluster schedule name; "" keeps the policy's.
	TransferSchedule string
}

// CreateSnapmirrorRelationship creates a relationship through a job; the
// relationship starts uninitialized (initialize it with UpdateSnapmirror).
// Result.UUID is the relationship's UUID when ONTAP returned the record.
// A POST that creates is never retried after an ambiguous failure: look
// the relationship up by destination path before trying again.
func (c *Client) CreateSnapmirrorRelationship(ctx context.Context, r RelationshipCreate, opts ...CallOption) (*Result, error) {
	body := map[string]any{
		"source":      map[string]any{"path": r.SourcePath},
		"destination": map[string]any{"path": r.DestinationPath},
	}
	if r.CreateDestination {
		body["create_destination"] = map[string]any{"enabled": true}
	}
	if r.Policy != "" {
		body["policy"] = map[string]any{"name": r.Policy}
	}
	if r.TransferSchedule != "" {
		body["transfer_schedule"] = map[string]any{"name": r.TransferSchedule}
	}
	return c.mutate(ctx, http.MethodPost, "/snapmirror/relationships", nil, body, retryUnsafe, opts)
}
