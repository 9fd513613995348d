package ontap

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// EMSFields are the EMS event fields the client asks for.
const EMSFields = "index,time,message,log_message,node,source,parameters"

// DataProtectionEvents are message.name patterns of EMS events about
// backup and replication (reference section 7 and the ONTAP EMS
// reference): SnapMirror (sms.*, smc.*, smbc.*, mgmt.snapmir.*,
// snapmirror.*, repl.*), scheduled snapshots (mgmtgwd.schedSnap.*,
// mgmtgwd.snapshot.*, wafl.snap.*), volume availability (wafl.vvol.*,
// wafl.vol.autoSize.done, LUN.offline, callhome.data.outage.detected) and
// anti-ransomware (arw.*, callhome.arw.*). They are sent as one
// |-separated message.name filter. ONTAP refuses exact names that are not
// in its catalog; patterns are matched against the catalog.
var DataProtectionEvents = []string{
	"sms.*", "smc.*", "smbc.*", "mgmt.snapmir.*", "snapmirror.*", "repl.*",
	"mgmtgwd.schedSnap.*", "mgmtgwd.snapshot.*", "wafl.snap.*",
	"wafl.vvol.*", "wafl.vol.autoSize.done", "LUN.offline", "callhome.data.outage.detected",
	"arw.*", "callhome.arw.*",
}

// EMSFilter selects EMS events.
type EMSFilter struct {
	// Since keeps events at or after this time (time=>=...).
	Since time.Time
	// Names are message names or patterns; DataProtection adds
	// DataProtectionEvents.
	Names          []string
	DataProtection bool
	// Severities (emergency, alert, error, notice, informational, debug).
	// Empty: ONTAP's default, which leaves out debug.
	Severities []string
	// Node keeps one node's events.
	Node string
	// Query adds other filters by field (e.g. "parameters.value").
	Query map[string]string
	// Fields default to EMSFields; OrderBy defaults to "time desc"
	// (newest first).
	Fields     []string
	OrderBy    string
	MaxRecords int
	Limit      int
}

// ListEMSEvents lists EMS events (GET /support/ems/events).
func (c *Client) ListEMSEvents(ctx context.Context, f EMSFilter) ([]EMSEvent, error) {
	opts := &ListOptions{Fields: f.Fields, Query: map[string]string{}, OrderBy: f.OrderBy, MaxRecords: f.MaxRecords, Limit: f.Limit}
	for k, v := range f.Query {
		opts.Query[k] = v
	}
	if opts.OrderBy == "" {
		opts.OrderBy = "time desc"
	}
	names := append([]string(nil), f.Names...)
	if f.DataProtection {
		names = append(names, DataProtectionEvents...)
	}
	if len(names) > 0 {
		opts.Query["message.name"] = strings.Join(names, "|")
	}
	if len(f.Severities) > 0 {
		opts.Query["message.severity"] = strings.Join(f.Severities, "|")
	}
	if !f.Since.IsZero() {
		opts.Query["time"] = ">=" + f.Since.UTC().Format(time.RFC3339)
	}
	if f.Node != "" {
		opts.Query["node.name"] = f.Node
	}
	return listAll[EMSEvent](ctx, c, "/support/ems/events", opts.query(EMSFields), opts.limit())
}

// EMSEventHref is the address of one event (GET
// /api/support/ems/events/{node}/{index}).
func EMSEventHref(node string, index int64) string {
	return "/api/support/ems/events/" + node + "/" + strconv.FormatInt(index, 10)
}
