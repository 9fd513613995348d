package ontap_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/clients/ontap"
	"github.com/recovery-mcp/recovery-mcp/internal/sim/fleet"
	simontap "github.com/recovery-mcp/recovery-mcp/internal/sim/ontap"
)

var epoch = time.Date(2025, 6, 18, 9, 41, 0, 0, time.UTC)

// simEnv is the small estate served by both simulators over real HTTP,
// with a client for each cluster.
type simEnv struct {
	estate  *fleet.Estate
	prod    *fleet.OntapCluster
	dr      *fleet.OntapCluster
	prodSim *simontap.Server
	drSim   *simontap.Server
	p       *ontap.Client
	d       *ontap.Client
}

func fastOpts(endpoint, password string) ontap.Options {
	return ontap.Options{
		Endpoint: endpoint, Username: "admin", Password: password,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond,
		PollInterval: time.Millisecond, PollMaxInterval: 2 * time.Millisecond,
	}
}

func newSimEnv(t *testing.T) *simEnv {
	t.Helper()
	e := &fleet.Estate{Clock: fleet.NewClock(epoch)}
	fleet.SmallOntap(e)
	se := &simEnv{estate: e, prod: e.OntapClusterByName("ontap-prod"), dr: e.OntapClusterByName("ontap-dr")}
	se.prodSim = simontap.New(e, se.prod, simontap.Options{})
	se.drSim = simontap.New(e, se.dr, simontap.Options{})
	ps, ds := httptest.NewServer(se.prodSim), httptest.NewServer(se.drSim)
	t.Cleanup(ps.Close)
	t.Cleanup(ds.Close)
	var err error
	if se.p, err = ontap.New(fastOpts(ps.URL, se.prod.Password)); err != nil {
		t.Fatal(err)
	}
	if se.d, err = ontap.New(fastOpts(ds.URL, se.dr.Password)); err != nil {
		t.Fatal(err)
	}
	return se
}

func TestSimClusterAndInventory(t *testing.T) {
	se := newSimEnv(t)
	ctx := context.Background()
	cl, err := se.p.GetCluster(ctx)
	if err != nil || cl.Name != "ontap-prod" || cl.Version.Major != 14 {
		t.Fatalf("cluster %+v %v", cl, err)
	}
	nodes, err := se.p.ListNodes(ctx, nil)
	if err != nil || len(nodes) != 2 || nodes[0].HA == nil || !nodes[0].HA.Enabled {
		t.Fatalf("nodes %+v %v", nodes, err)
	}
	svms, err := se.p.ListSVMs(ctx, nil)
	if err != nil || len(svms) != 1 || svms[0].Name != "svm_prod" {
		t.Fatalf("svms %+v %v", svms, err)
	}
	// Small pages: the client follows _links.next to the end.
	vols, err := se.p.ListVolumes(ctx, &ontap.ListOptions{MaxRecords: 2})
	if err != nil || len(vols) != 9 {
		t.Fatalf("volumes %d %v", len(vols), err)
	}
	for _, v := range vols {
		if v.Space == nil || v.Space.Snapshot == nil || v.SnapshotPolicy == nil || v.SnapshotCount == nil {
			t.Fatalf("volume %s lacks the expensive fields: %+v", v.Name, v)
		}
	}
	limited, err := se.p.ListVolumes(ctx, &ontap.ListOptions{Limit: 3, Query: map[string]string{"name": "vol_*"}, OrderBy: "name"})
	if err != nil || len(limited) != 3 || limited[0].Name != "vol_archive" {
		t.Fatalf("limited %v %v", limited, err)
	}
	fin, err := se.p.FindVolume(ctx, "svm_prod", "vol_finance")
	if err != nil || fin.Space.Snapshot.ReservePercent != 5 || fin.Clone == nil || !fin.Clone.HasFlexclone || fin.SnapMirror == nil || !fin.SnapMirror.IsProtected {
		t.Fatalf("find %+v %v", fin, err)
	}
	if _, err := se.p.FindVolume(ctx, "", "nope"); !ontap.IsNotFound(err) {
		t.Errorf("missing volume: %v", err)
	}
	clone, err := se.p.FindVolume(ctx, "", "vol_finance_clone_q2")
	if err != nil || clone.Clone.ParentSnapshot == nil || clone.Clone.ParentVolume.Name != "vol_finance" {
		t.Fatalf("clone %+v %v", clone, err)
	}
	if _, err := se.p.GetVolume(ctx, "4ea7a442-86d1-11e0-ae1c-123478563412"); !ontap.IsNotFound(err) || ontap.ErrorCode(err) != "4" {
		t.Errorf("unknown uuid: %v", err)
	}
	// Every volume's snapshots in one bulk request; an unknown volume has none.
	var uuids []string
	for _, v := range vols {
		uuids = append(uuids, v.UUID)
	}
	all, err := se.p.ListSnapshotsForVolumes(ctx, append(uuids, "00000000-0000-1000-8000-000000000000"), nil)
	if err != nil || len(all) != len(uuids)+1 || len(all["00000000-0000-1000-8000-000000000000"]) != 0 || len(all[fin.UUID]) != len(se.prod.VolumeByName("svm_prod", "vol_finance").Snapshots) {
		t.Errorf("fan-out: %d volumes, err %v", len(all), err)
	}
}

func TestSimSnapshotLifecycle(t *testing.T) {
	se := newSimEnv(t)
	ctx := context.Background()
	hr, err := se.p.FindVolume(ctx, "svm_prod", "vol_hr")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []ontap.JobProgress
	expiry := epoch.Add(72 * time.Hour)
	res, err := se.p.CreateSnapshot(ctx, hr.UUID, ontap.SnapshotCreate{Name: "pre_upgrade", Comment: "before 9.15", SnapmirrorLabel: "daily", ExpiryTime: &expiry},
		ontap.WithProgress(func(p ontap.JobProgress) { mu.Lock(); seen = append(seen, p); mu.Unlock() }))
	if err != nil {
		t.Fatal(err)
	}
	if res.HTTPStatus != 202 || res.UUID == "" || res.Job == nil || res.Job.State != "success" {
		t.Fatalf("result %+v", res)
	}
	if len(seen) == 0 || seen[len(seen)-1].State != "success" || seen[0].UUID != res.Job.UUID {
		t.Errorf("progress %+v", seen)
	}
	s, err := se.p.GetSnapshot(ctx, hr.UUID, res.UUID)
	if err != nil || s.Name != "pre_upgrade" || !s.ExpiryTime.Equal(expiry) || s.CreateTime.IsZero() || s.Volume.Name != "vol_hr" {
		t.Fatalf("snapshot %+v %v", s, err)
	}
	// Locked by expiry: the delete job fails with 1638555.
	_, err = se.p.DeleteSnapshot(ctx, hr.UUID, res.UUID)
	var je *ontap.JobError
	if !errors.As(err, &je) || !ontap.IsBusy(err) || ontap.ErrorCode(err) != "1638555" || !strings.Contains(err.Error(), "has not expired") {
		t.Fatalf("locked delete: %v", err)
	}
	if _, err := se.p.SetSnapshotExpiry(ctx, hr.UUID, res.UUID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := se.p.DeleteSnapshot(ctx, hr.UUID, res.UUID); err != nil {
		t.Fatal(err)
	}
	if _, err := se.p.GetSnapshot(ctx, hr.UUID, res.UUID); !ontap.IsNotFound(err) {
		t.Errorf("deleted snapshot still there: %v", err)
	}
	// Duplicate name: synchronous 409, code 1.
	_, err = se.p.CreateSnapshot(ctx, hr.UUID, ontap.SnapshotCreate{Name: "daily.2025-06-18_0010"})
	if !ontap.IsAlreadyExists(err) || !ontap.IsConflict(err) {
		t.Errorf("duplicate: %v", err)
	}
	// return_timeout covering the job: 201 with the finished job.
	res, err = se.p.CreateSnapshot(ctx, hr.UUID, ontap.SnapshotCreate{Name: "sync"}, ontap.WithReturnTimeout(30))
	if err != nil || res.HTTPStatus != 201 || res.Job.State != "success" {
		t.Errorf("sync create %+v %v", res, err)
	}
	// NoWait, then WaitJob.
	res, err = se.p.CreateSnapshot(ctx, hr.UUID, ontap.SnapshotCreate{Name: "later"}, ontap.NoWait())
	if err != nil || res.Job == nil || res.Job.State != "" {
		t.Fatalf("no wait %+v %v", res, err)
	}
	if j, err := se.p.WaitJob(ctx, res.Job.UUID, nil); err != nil || j.State != "success" {
		t.Errorf("wait %+v %v", j, err)
	}
	snaps, err := se.p.ListSnapshots(ctx, hr.UUID, &ontap.ListOptions{Query: map[string]string{"name": "sync|later"}})
	if err != nil || len(snaps) != 2 {
		t.Errorf("list %v %v", snaps, err)
	}
}

func TestSimJobFailureAndCancel(t *testing.T) {
	se := newSimEnv(t)
	ctx := context.Background()
	hr, _ := se.p.FindVolume(ctx, "svm_prod", "vol_hr")
	se.prodSim.FailNextJobs(1, 524486, "Volume \"vol_hr\" is busy.")
	_, err := se.p.CreateSnapshot(ctx, hr.UUID, ontap.SnapshotCreate{Name: "x"})
	var je *ontap.JobError
	if !errors.As(err, &je) || je.Job.Code != 524486 || je.Job.Error == nil || je.Job.Error.Code != "524486" || !ontap.IsBusy(err) {
		t.Fatalf("failed job: %v", err)
	}
	// A stuck job: cancelling ctx ends the wait.
	se.prodSim.StickNextJobs(1)
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = se.p.CreateSnapshot(cctx, hr.UUID, ontap.SnapshotCreate{Name: "y"})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("stuck job: %v after %v", err, time.Since(start))
	}
}

func TestSimRestoreCloneFiles(t *testing.T) {
	se := newSimEnv(t)
	ctx := context.Background()
	fin, _ := se.p.FindVolume(ctx, "svm_prod", "vol_finance")
	const snap = "hourly.2025-06-18_0905"
	// Browse the snapshot, find the deleted file, restore it in place and
	// to a new path.
	dirs, err := se.p.ListSnapshotDirectories(ctx, fin.UUID, nil)
	if err != nil || len(dirs) != 11 || !dirs[0].IsSnapshot {
		t.Fatalf(".snapshot: %d %v", len(dirs), err)
	}
	in, err := se.p.ListSnapshotFiles(ctx, fin.UUID, snap, "reports", nil)
	if err != nil || len(in) != 3 || in[0].Name != "budget_2025.xlsx" || in[0].Size != 212992 || in[0].Type != "file" {
		t.Fatalf("snapshot files %+v %v", in, err)
	}
	live, _ := se.p.ListFiles(ctx, fin.UUID, "/reports", nil)
	if len(live) != 2 {
		t.Fatalf("live files %+v", live)
	}
	if _, err := se.p.RestoreFile(ctx, fin.UUID, ontap.FileRestore{SnapshotName: snap, Path: "/reports/budget_2025.xlsx"}); err != nil {
		t.Fatal(err)
	}
	if _, err := se.p.RestoreFile(ctx, fin.UUID, ontap.FileRestore{SnapshotName: snap, Path: "/reports/q2_close.xlsx", RestorePath: "/restored/q2.xlsx"}); err != nil {
		t.Fatal(err)
	}
	start, count := int64(0), int64(4096)
	if _, err := se.p.RestoreFile(ctx, fin.UUID, ontap.FileRestore{SnapshotName: snap, Path: "/ledger/gl_2024.db", StartByte: &start, ByteCount: &count}); err != nil {
		t.Fatal(err)
	}
	live, _ = se.p.ListFiles(ctx, fin.UUID, "reports", nil)
	restored, _ := se.p.ListFiles(ctx, fin.UUID, "restored/q2.xlsx", nil)
	if len(live) != 3 || len(restored) != 1 || restored[0].Name != "q2.xlsx" {
		t.Errorf("after file restores: %+v %+v", live, restored)
	}
	if _, err := se.p.RestoreFile(ctx, fin.UUID, ontap.FileRestore{SnapshotName: snap, Path: "/nope"}); !ontap.IsNotFound(err) {
		t.Errorf("missing file: %v", err)
	}

	// FlexClone from a snapshot, then delete it.
	res, err := se.p.CloneVolume(ctx, ontap.CloneRequest{Name: "vol_finance_drill", SVMName: "svm_prod", ParentVolumeName: "vol_finance", ParentSnapshotName: snap, JunctionPath: "/finance_drill"})
	if err != nil || res.UUID == "" {
		t.Fatalf("clone %+v %v", res, err)
	}
	cl, err := se.p.GetVolume(ctx, res.UUID)
	if err != nil || !cl.Clone.IsFlexclone || cl.Clone.ParentSnapshot.Name != snap || cl.NAS.Path != "/finance_drill" {
		t.Fatalf("clone volume %+v %v", cl, err)
	}
	s, _ := se.p.ListSnapshots(ctx, fin.UUID, &ontap.ListOptions{Query: map[string]string{"name": snap}})
	if len(s) != 1 || strings.Join(s[0].Owners, ",") != "volume_clone" {
		t.Errorf("clone base owners %+v", s)
	}
	if _, err := se.p.DeleteSnapshot(ctx, fin.UUID, s[0].UUID); !ontap.IsBusy(err) {
		t.Errorf("deleting a clone base: %v", err)
	}
	if _, err := se.p.DeleteVolume(ctx, res.UUID); err != nil {
		t.Fatal(err)
	}

	// SnapRestore of vol_logs, then a policy change.
	logs, _ := se.p.FindVolume(ctx, "svm_prod", "vol_logs")
	if _, err := se.p.RestoreVolume(ctx, logs.UUID, ontap.VolumeRestore{SnapshotName: "daily.2025-06-17_0010"}); err != nil {
		t.Fatal(err)
	}
	after, _ := se.p.ListSnapshots(ctx, logs.UUID, nil)
	for _, x := range after {
		if x.CreateTime.After(time.Date(2025, 6, 17, 0, 10, 0, 0, time.UTC)) {
			t.Errorf("newer snapshot %s survived the restore", x.Name)
		}
	}
	if _, err := se.p.SetVolumeSnapshotPolicy(ctx, logs.UUID, "default"); err != nil {
		t.Fatal(err)
	}
	if _, err := se.p.SetVolumeSnapshotPolicy(ctx, logs.UUID, "nope"); !ontap.IsNotFound(err) {
		t.Errorf("unknown policy: %v", err)
	}
}

func TestSimPoliciesSchedules(t *testing.T) {
	se := newSimEnv(t)
	ctx := context.Background()
	res, err := se.p.CreateSchedule(ctx, ontap.ScheduleCreate{Name: "q15", Cron: &ontap.ScheduleCron{Minutes: []int{0, 15, 30, 45}}})
	if err != nil || res.HTTPStatus != 201 || res.UUID == "" {
		t.Fatalf("schedule %+v %v", res, err)
	}
	sc, err := se.p.GetSchedule(ctx, res.UUID)
	if err != nil || sc.Type != "cron" || len(sc.Cron.Minutes) != 4 {
		t.Fatalf("get schedule %+v %v", sc, err)
	}
	res, err = se.p.CreateSnapshotPolicy(ctx, ontap.SnapshotPolicyCreate{Name: "gold", Enabled: true,
		Copies: []ontap.SnapshotPolicyCopy{{Count: 8, Schedule: ontap.NameUUID{Name: "q15"}, SnapmirrorLabel: "q15", RetentionPeriod: "PT2H"}}})
	if err != nil || res.UUID == "" {
		t.Fatalf("policy %+v %v", res, err)
	}
	p, err := se.p.GetSnapshotPolicy(ctx, res.UUID)
	if err != nil || p.Copies[0].Schedule.Name != "q15" || *p.Enabled != true || p.Copies[0].RetentionPeriod != "PT2H" {
		t.Fatalf("get policy %+v %v", p, err)
	}
	pols, err := se.p.ListSnapshotPolicies(ctx, nil)
	if err != nil || len(pols) != 5 {
		t.Errorf("policies %d %v", len(pols), err)
	}
	scs, err := se.p.ListSchedules(ctx, &ontap.ListOptions{Query: map[string]string{"type": "interval"}})
	if err != nil || len(scs) != 1 {
		t.Errorf("interval schedules %v %v", scs, err)
	}
	if d, err := scs[0].Interval.Duration(); err != nil || d != 10*time.Minute {
		t.Errorf("interval %s %v", scs[0].Interval, err)
	}
}

func TestSimSnapmirror(t *testing.T) {
	se := newSimEnv(t)
	ctx := context.Background()
	rels, err := se.d.ListSnapmirrorRelationships(ctx, nil)
	if err != nil || len(rels) != 6 {
		t.Fatalf("relationships %d %v", len(rels), err)
	}
	byDst := map[string]ontap.SnapmirrorRelationship{}
	for _, r := range rels {
		byDst[r.Destination.Path] = r
	}
	eng := byDst["svm_dr:vol_eng_src_dr"]
	if eng.Healthy == nil || *eng.Healthy || len(eng.UnhealthyReason) != 1 || eng.Transfer.State != "failed" {
		t.Errorf("eng relationship %+v", eng)
	}
	if lag, _ := eng.LagTime.Duration(); lag < 7*time.Hour {
		t.Errorf("eng lag %s", eng.LagTime)
	}
	out, err := se.p.ListSnapmirrorRelationships(ctx, &ontap.ListOptions{Query: map[string]string{"list_destinations_only": "true"}})
	if err != nil || len(out) != 6 {
		t.Errorf("source side: %d %v", len(out), err)
	}
	lagging, _ := se.d.ListSnapmirrorRelationships(ctx, &ontap.ListOptions{Query: map[string]string{"lag_time": ">PT2H"}})
	if len(lagging) != 2 {
		t.Errorf("lag filter: %d", len(lagging))
	}

	fin := byDst["svm_dr:vol_finance_dr"]
	if _, err := se.d.QuiesceSnapmirror(ctx, fin.UUID); err != nil {
		t.Fatal(err)
	}
	if r, _ := se.d.GetSnapmirrorRelationship(ctx, fin.UUID); r.State != ontap.StatePaused {
		t.Errorf("after quiesce: %s", r.State)
	}
	if _, err := se.d.UpdateSnapmirror(ctx, fin.UUID, ontap.TransferRequest{}); err == nil {
		t.Error("update of a quiesced relationship accepted")
	}
	if _, err := se.d.ResumeSnapmirror(ctx, fin.UUID); err != nil {
		t.Fatal(err)
	}

	// Update, and a second one while it runs.
	tr, err := se.d.UpdateSnapmirror(ctx, fin.UUID, ontap.TransferRequest{})
	if err != nil || tr.UUID == "" {
		t.Fatalf("update %+v %v", tr, err)
	}
	if _, err := se.d.UpdateSnapmirror(ctx, fin.UUID, ontap.TransferRequest{}); !ontap.IsTransferInProgress(err) {
		t.Errorf("second update: %v", err)
	}
	var polls int
	done, err := se.d.WaitSnapmirrorTransfer(ctx, fin.UUID, tr.UUID, func(ontap.TransferProgress) { polls++ })
	if err != nil || done.State != "success" || polls == 0 {
		t.Fatalf("wait transfer %+v %v", done, err)
	}
	r, _ := se.d.GetSnapmirrorRelationship(ctx, fin.UUID)
	if lag, _ := r.LagTime.Duration(); lag > time.Minute || r.ExportedSnapshot != done.Snapshot {
		t.Errorf("after update: lag %s exported %s (transferred %s)", r.LagTime, r.ExportedSnapshot, done.Snapshot)
	}
	trs, err := se.d.ListSnapmirrorTransfers(ctx, fin.UUID, nil)
	if err != nil || len(trs) < 2 || trs[len(trs)-1].UUID != tr.UUID {
		t.Errorf("transfers %d %v", len(trs), err)
	}

	// An injected failure.
	se.drSim.FailNextTransfers(1, 13303869, "Destination volume is out of space.")
	tr, _ = se.d.UpdateSnapmirror(ctx, fin.UUID, ontap.TransferRequest{})
	_, err = se.d.WaitSnapmirrorTransfer(ctx, fin.UUID, tr.UUID, nil)
	var te *ontap.TransferError
	if !errors.As(err, &te) || ontap.ErrorCode(err) != "13303869" {
		t.Errorf("failed transfer: %v", err)
	}
	evs, err := se.d.ListEMSEvents(ctx, ontap.EMSFilter{DataProtection: true, Since: epoch})
	if err != nil || len(evs) != 1 || evs[0].Message.Name != "smc.snapmir.update.fail" || evs[0].Parameter("dstpath") != "svm_dr:vol_finance_dr" {
		t.Errorf("EMS %+v %v", evs, err)
	}

	// Break and resync.
	if _, err := se.d.BreakSnapmirror(ctx, fin.UUID, ""); err != nil {
		t.Fatal(err)
	}
	dst, _ := se.d.FindVolume(ctx, "svm_dr", "vol_finance_dr")
	if dst.Type != "rw" {
		t.Errorf("destination after break: %s", dst.Type)
	}
	if _, err := se.d.QuiesceSnapmirror(ctx, fin.UUID); ontap.ErrorCode(err) != "2" {
		t.Errorf("quiesce of broken-off: %v", err)
	}
	if _, err := se.d.ResyncSnapmirror(ctx, fin.UUID, false); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if r, _ = se.d.GetSnapmirrorRelationship(ctx, fin.UUID); r.State == ontap.StateSnapmirrored {
			break
		}
	}
	if r.State != ontap.StateSnapmirrored || r.LastTransferType != "resync" || !*r.Healthy {
		t.Errorf("after resync %+v", r)
	}

	pols, err := se.d.ListSnapmirrorPolicies(ctx, &ontap.ListOptions{Query: map[string]string{"name": "MirrorAndVault"}})
	if err != nil || len(pols) != 1 || len(pols[0].Retention) != 3 || pols[0].Retention[2].Count != 52 {
		t.Errorf("policies %+v %v", pols, err)
	}
}

func TestSimEMS(t *testing.T) {
	se := newSimEnv(t)
	ctx := context.Background()
	evs, err := se.p.ListEMSEvents(ctx, ontap.EMSFilter{})
	if err != nil || len(evs) != 2 || !evs[0].Time.After(evs[1].Time) {
		t.Fatalf("events %+v %v", evs, err)
	}
	dp, err := se.d.ListEMSEvents(ctx, ontap.EMSFilter{DataProtection: true, Severities: []string{"error"}})
	if err != nil || len(dp) != 2 || dp[0].Parameter("relationship_id") == "" {
		t.Fatalf("dr events %+v %v", dp, err)
	}
	recent, _ := se.p.ListEMSEvents(ctx, ontap.EMSFilter{Since: epoch.Add(-24 * time.Hour)})
	if len(recent) != 1 {
		t.Errorf("since: %d", len(recent))
	}
}

func TestSimUnauthorized(t *testing.T) {
	se := newSimEnv(t)
	c, err := ontap.New(fastOpts(se.p.Endpoint(), "wrong-password-123"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetCluster(context.Background())
	if !ontap.IsUnauthorized(err) || strings.Contains(err.Error(), "wrong-password-123") {
		t.Errorf("401: %v", err)
	}
}

func TestSimStuckTransferAbort(t *testing.T) {
	se := newSimEnv(t)
	ctx := context.Background()
	rels, _ := se.d.ListSnapmirrorRelationships(ctx, &ontap.ListOptions{Query: map[string]string{"destination.path": "svm_dr:vol_home_dr"}})
	if len(rels) != 1 {
		t.Fatalf("relationships %v", rels)
	}
	rel := rels[0].UUID
	se.drSim.StickNextTransfers(1)
	tr, err := se.d.UpdateSnapmirror(ctx, rel, ontap.TransferRequest{Throttle: 1024})
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	_, err = se.d.WaitSnapmirrorTransfer(wctx, rel, tr.UUID, nil)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("stuck wait: %v", err)
	}
	if err := se.d.AbortSnapmirrorTransfer(ctx, rel, tr.UUID, false); err != nil {
		t.Fatal(err)
	}
	_, err = se.d.WaitSnapmirrorTransfer(ctx, rel, tr.UUID, nil)
	var te *ontap.TransferError
	if !errors.As(err, &te) || te.Transfer.State != "aborted" || !strings.Contains(err.Error(), "Transfer aborted") {
		t.Errorf("aborted: %v", err)
	}
	if err := se.d.AbortSnapmirrorTransfer(ctx, rel, tr.UUID, true); err == nil {
		t.Error("aborting a finished transfer succeeded")
	}
}
