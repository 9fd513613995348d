package ontap

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Default field lists for snapshots, policies and schedules.
const (
	SnapshotFields       = "uuid,name,comment,create_time,expiry_time,snapmirror_label,size,logical_size,state,owners,svm,volume"
	SnapshotPolicyFields = "uuid,name,comment,enabled,scope,svm,copies"
	ScheduleFields       = "uuid,name,type,cron,interval,scope,svm,cluster"
)

func snapshotsPath(volumeUUID string) string {
	return "/storage/volumes/" + url.PathEscape(volumeUUID) + "/snapshots"
}

// ListSnapshots lists a volume's snapshots; fields default to
// SnapshotFields.
func (c *Client) ListSnapshots(ctx context.Context, volumeUUID string, opts *ListOptions) ([]Snapshot, error) {
	return listAll[Snapshot](ctx, c, snapshotsPath(volumeUUID), opts.query(SnapshotFields), opts.limit())
}

// ListSnapshotsBulk reads the bulk collection GET
// /storage/volumes/*/snapshots: snapshots across volumes, each naming its
// volume (filter on volume.uuid, volume.name, svm.name ...). opts.Limit
// bounds the records in all; fields default to SnapshotFields.
func (c *Client) ListSnapshotsBulk(ctx context.Context, opts *ListOptions) ([]Snapshot, error) {
	q := opts.query(SnapshotFields)
	if opts != nil && opts.Fields != nil {
		q.Set("fields", strings.Join(append(append([]string(nil), opts.Fields...), "volume.uuid"), ","))
	}
	return listAll[Snapshot](ctx, c, "/storage/volumes/*/snapshots", q, opts.limit())
}

// BulkChunk is how many volume UUIDs one bulk snapshot request names (a
// URL of about 4 KB).
const BulkChunk = 100

// ListSnapshotsForVolumes lists the snapshots of several volumes with the
// bulk collection GET /storage/volumes/*/snapshots filtered on volume.uuid,
// one request per BulkChunk volumes (not one per volume), and returns them
// by volume UUID in the order asked for (opts.OrderBy). opts.Limit applies
// per volume. Every UUID asked for has an entry; an unknown volume has no
// snapshots (the bulk collection does not say it is unknown). A cluster without the bulk collection (it answers 404 or 400)
// is read volume by volume instead, at most MaxConcurrency at a time. It
// returns what it could read and the joined errors of the rest.
func (c *Client) ListSnapshotsForVolumes(ctx context.Context, volumeUUIDs []string, opts *ListOptions) (map[string][]Snapshot, error) {
	out := make(map[string][]Snapshot, len(volumeUUIDs))
	for _, u := range volumeUUIDs {
		out[u] = []Snapshot{} // a volume without snapshots (or unknown) lists none
	}
	var bulk ListOptions
	if opts != nil {
		bulk = *opts
	}
	perVolume := bulk.Limit
	bulk.Limit, bulk.MaxRecords = 0, 0
	if bulk.Fields != nil {
		bulk.Fields = append(append([]string(nil), bulk.Fields...), "volume.uuid")
	}
	var errs []error
	for i := 0; i < len(volumeUUIDs); i += BulkChunk {
		chunk := volumeUUIDs[i:min(i+BulkChunk, len(volumeUUIDs))]
		q := bulk.query(SnapshotFields)
		q.Set("volume.uuid", strings.Join(chunk, "|"))
		err := Walk(ctx, c, "/storage/volumes/*/snapshots", q, func(recs []Snapshot) error {
			for _, s := range recs {
				if s.Volume == nil {
					continue
				}
				if perVolume > 0 && len(out[s.Volume.UUID]) >= perVolume {
					continue
				}
				out[s.Volume.UUID] = append(out[s.Volume.UUID], s)
			}
			return nil
		})
		if err != nil && i == 0 && (IsNotFound(err) || HTTPStatus(err) == http.StatusBadRequest) {
			return c.snapshotsVolumeByVolume(ctx, volumeUUIDs, opts)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("snapshots of %d volumes: %w", len(chunk), err))
		}
	}
	return out, errors.Join(errs...)
}

// snapshotsVolumeByVolume is ListSnapshotsForVolumes for clusters without
// the bulk collection.
func (c *Client) snapshotsVolumeByVolume(ctx context.Context, volumeUUIDs []string, opts *ListOptions) (map[string][]Snapshot, error) {
	var mu sync.Mutex
	out := make(map[string][]Snapshot, len(volumeUUIDs))
	err := FanOut(ctx, c, volumeUUIDs, func(ctx context.Context, uuid string) error {
		s, err := c.ListSnapshots(ctx, uuid, opts)
		if err != nil {
			return fmt.Errorf("snapshots of volume %s: %w", uuid, err)
		}
		mu.Lock()
		out[uuid] = s
		mu.Unlock()
		return nil
	})
	return out, err
}

// GetSnapshot reads one snapshot; fields default to SnapshotFields.
func (c *Client) GetSnapshot(ctx context.Context, volumeUUID, snapshotUUID string, fields ...string) (*Snapshot, error) {
	var s Snapshot
	if err := c.getJSON(ctx, snapshotsPath(volumeUUID)+"/"+url.PathEscape(snapshotUUID), fieldsQuery(fields, SnapshotFields), &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// SnapshotCreate is a new snapshot.
type SnapshotCreate struct {
	Name            string
	Comment         string
	SnapmirrorLabel string
	// ExpiryTime, when set, forbids deletion until then.
	ExpiryTime *time.Time
}

// CreateSnapshot takes a snapshot (POST .../snapshots). Result.UUID is the
// snapshot's UUID. Creates something: never retried after an ambiguous
// failure (a retry could meet its own snapshot as a duplicate).
func (c *Client) CreateSnapshot(ctx context.Context, volumeUUID string, s SnapshotCreate, opts ...CallOption) (*Result, error) {
	if s.Name == "" {
		return nil, fmt.Errorf("ontap: CreateSnapshot needs a name")
	}
	body := map[string]any{"name": s.Name}
	if s.Comment != "" {
		body["comment"] = s.Comment
	}
	if s.SnapmirrorLabel != "" {
		body["snapmirror_label"] = s.SnapmirrorLabel
	}
	if s.ExpiryTime != nil {
		body["expiry_time"] = s.ExpiryTime.UTC().Format(time.RFC3339)
	}
	return c.mutate(ctx, http.MethodPost, snapshotsPath(volumeUUID), nil, body, retryUnsafe, opts)
}

// SetSnapshotExpiry sets a snapshot's expiry_time (the zero time clears
// it). An absolute value: retried safely.
func (c *Client) SetSnapshotExpiry(ctx context.Context, volumeUUID, snapshotUUID string, expiry time.Time, opts ...CallOption) (*Result, error) {
	var v any
	if !expiry.IsZero() {
		v = expiry.UTC().Format(time.RFC3339)
	}
	body := map[string]any{"expiry_time": v}
	return c.mutate(ctx, http.MethodPatch, snapshotsPath(volumeUUID)+"/"+url.PathEscape(snapshotUUID), nil, body, retrySafe, opts)
}

// DeleteSnapshot deletes a snapshot. A snapshot that has not expired, or
// that a FlexClone or SnapMirror holds, fails the job with code 1638555
// (IsBusy). Retried safely; a retry that finds it gone counts as done.
func (c *Client) DeleteSnapshot(ctx context.Context, volumeUUID, snapshotUUID string, opts ...CallOption) (*Result, error) {
	return c.mutate(ctx, http.MethodDelete, snapshotsPath(volumeUUID)+"/"+url.PathEscape(snapshotUUID), nil, nil, retrySafe, opts)
}

// ListSnapshotPolicies lists snapshot policies.
func (c *Client) ListSnapshotPolicies(ctx context.Context, opts *ListOptions) ([]SnapshotPolicy, error) {
	return listAll[SnapshotPolicy](ctx, c, "/storage/snapshot-policies", opts.query(SnapshotPolicyFields), opts.limit())
}

// GetSnapshotPolicy reads one snapshot policy.
func (c *Client) GetSnapshotPolicy(ctx context.Context, uuid string, fields ...string) (*SnapshotPolicy, error) {
	var p SnapshotPolicy
	if err := c.getJSON(ctx, "/storage/snapshot-policies/"+url.PathEscape(uuid), fieldsQuery(fields, SnapshotPolicyFields), &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// SnapshotPolicyCreate is a new snapshot policy; each copy names a
// schedule by name.
type SnapshotPolicyCreate struct {
	Name    string
	Comment string
	Enabled bool
	// SVMName makes it an SVM-scoped policy ("" for the cluster).
	SVMName string
	Copies  []SnapshotPolicyCopy
}

// CreateSnapshotPolicy creates a snapshot policy (synchronous on ONTAP:
// 201). Creates something: never retried after an ambiguous failure.
func (c *Client) CreateSnapshotPolicy(ctx context.Context, p SnapshotPolicyCreate, opts ...CallOption) (*Result, error) {
	copies := make([]map[string]any, 0, len(p.Copies))
	for _, cp := range p.Copies {
		m := map[string]any{"count": cp.Count, "schedule": map[string]any{"name": cp.Schedule.Name}}
		if cp.Prefix != "" {
			m["prefix"] = cp.Prefix
		}
		if cp.SnapmirrorLabel != "" {
			m["snapmirror_label"] = cp.SnapmirrorLabel
		}
		if cp.RetentionPeriod != "" {
			m["retention_period"] = string(cp.RetentionPeriod)
		}
		copies = append(copies, m)
	}
	body := map[string]any{"name": p.Name, "enabled": p.Enabled, "copies": copies}
	if p.Comment != "" {
		body["comment"] = p.Comment
	}
	if p.SVMName != "" {
		body["svm"] = map[string]any{"name": p.SVMName}
	}
	return c.mutate(ctx, http.MethodPost, "/storage/snapshot-policies", nil, body, retryUnsafe, opts)
}

// ListSchedules lists job schedules.
func (c *Client) ListSchedules(ctx context.Context, opts *ListOptions) ([]Schedule, error) {
	return listAll[Schedule](ctx, c, "/cluster/schedules", opts.query(ScheduleFields), opts.limit())
}

// GetSchedule reads one schedule.
func (c *Client) GetSchedule(ctx context.Context, uuid string, fields ...string) (*Schedule, error) {
	var s Schedule
	if err := c.getJSON(ctx, "/cluster/schedules/"+url.PathEscape(uuid), fieldsQuery(fields, ScheduleFields), &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// ScheduleCreate is a new schedule: Cron (minutes required) or Interval.
type ScheduleCreate struct {
	Name     string
	Cron     *ScheduleCron
	Interval ISODuration
	SVMName  string
}

// CreateSchedule creates a job schedule (synchronous: 201). Never retried
// after an ambiguous failure.
func (c *Client) CreateSchedule(ctx context.Context, s ScheduleCreate, opts ...CallOption) (*Result, error) {
	body := map[string]any{"name": s.Name}
	switch {
	case s.Cron != nil && s.Interval != "":
		return nil, fmt.Errorf("ontap: a schedule is cron or interval, not both")
	case s.Cron != nil:
		if len(s.Cron.Minutes) == 0 {
			return nil, fmt.Errorf("ontap: a cron schedule needs minutes")
		}
		body["cron"] = s.Cron
	case s.Interval != "":
		if _, err := s.Interval.Duration(); err != nil {
			return nil, err
		}
		body["interval"] = string(s.Interval)
	default:
		return nil, fmt.Errorf("ontap: a schedule needs Cron or Interval")
	}
	if s.SVMName != "" {
		body["svm"] = map[string]any{"name": s.SVMName}
	}
	return c.mutate(ctx, http.MethodPost, "/cluster/schedules", nil, body, retryUnsafe, opts)
}
