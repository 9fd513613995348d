package aiqum

// Ref is a reference to another AIQUM object.
type Ref struct {
	Key  string `json:"key,omitempty"`
	Name string `json:"name,omitempty"`
	UUID string `json:"uuid,omitempty"`
}

// Version is an ONTAP release as AIQUM reports it.
type Version struct {
	Full       string `json:"full,omitempty"`
	Generation int    `json:"generation,omitempty"`
	Major      int    `json:"major,omitempty"`
	Minor      int    `json:"minor,omitempty"`
}

// Cluster is a managed ONTAP cluster (/datacenter/cluster/clusters).
type Cluster struct {
	Key             string  `json:"key"`
	Name            string  `json:"name"`
	UUID            string  `json:"uuid"`
	Contact         string  `json:"contact,omitempty"`
	Location        string  `json:"location,omitempty"`
	ManagementIP    string  `json:"management_ip,omitempty"`
	Version         Version `json:"version"`
	StorageCapacity struct {
		Total     int64 `json:"total"`
		Used      int64 `json:"used"`
		Available int64 `json:"available"`
	} `json:"storage_capacity"`
}

// Volume is a volume as AIQUM's inventory holds it
// (/datacenter/storage/volumes).
type Volume struct {
	Key            string `json:"key"`
	Name           string `json:"name"`
	UUID           string `json:"uuid"`
	Type           string `json:"type"`
	Style          string `json:"style"`
	State          string `json:"state"`
	CreateTime     string `json:"create_time,omitempty"`
	SnapshotPolicy Ref    `json:"snapshot_policy"`
	Space          struct {
		Size      int64 `json:"size"`
		Used      int64 `json:"used"`
		Available int64 `json:"available"`
	} `json:"space"`
	Autosize struct {
		Mode    string `json:"mode"`
		Maximum int64  `json:"maximum"`
	} `json:"autosize"`
	Snapmirror struct {
		IsProtected bool `json:"is_protected"`
	} `json:"snapmirror"`
	Cluster Ref `json:"cluster"`
	SVM     Ref `json:"svm"`
}

// Gateway is a cluster reachable through the API gateway (/gateways).
type Gateway struct {
	UUID      string `json:"uuid"`
	Name      string `json:"name"`
	IPAddress string `json:"ip_address"`
	Type      string `json:"type"`
}

// Event states, severities and impact areas (reference section 4.3).
const (
	StateNew          = "new"
	StateAcknowledged = "acknowledged"
	StateResolved     = "resolved"
	StateObsolete     = "obsolete"

	AreaProtection   = "protection"
	AreaCapacity     = "capacity"
	AreaSecurity     = "security"
	AreaAvailability = "availability"
)

// EventHistory is one state change of an event.
type EventHistory struct {
	State     string `json:"state"`
	Timestamp string `json:"timestamp,omitempty"`
	User      string `json:"user,omitempty"`
	Cause     string `json:"cause,omitempty"`
}

// Event is an AIQUM event (/management-server/events).
type Event struct {
	Key          string `json:"key"`
	Name         string `json:"name"`
	Severity     string `json:"severity"`
	CurrentState string `json:"current_state"`
	Impact       struct {
		Area         string `json:"area"`
		Level        string `json:"level"`
		ResourceType string `json:"resource_type"`
		ResourceName string `json:"resource_name"`
		ResourceUUID string `json:"resource_uuid"`
	} `json:"impact"`
	Cause    string         `json:"cause,omitempty"`
	Duration string         `json:"duration,omitempty"`
	Group    string         `json:"group,omitempty"`
	Origin   string         `json:"origin,omitempty"`
	History  []EventHistory `json:"history,omitempty"`
	Assigned *struct {
		User      string `json:"user,omitempty"`
		Timestamp string `json:"timestamp,omitempty"`
	} `json:"assigned,omitempty"`
	Annotation string `json:"annotation,omitempty"`
	Cluster    *Ref   `json:"cluster,omitempty"`
	Node       *Ref   `json:"node,omitempty"`
	SVM        *Ref   `json:"svm,omitempty"`
}

// Job is an AIQUM job (/management-server/jobs).
type Job struct {
	Key          string `json:"key"`
	Name         string `json:"name"`
	Type         string `json:"type"`
	State        string `json:"state"`
	Status       string `json:"status"`
	SubmitTime   string `json:"submit_time,omitempty"`
	CompleteTime string `json:"complete_time,omitempty"`
	ParentJobKey string `json:"parent_job_key,omitempty"`
	JobResults   []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"job_results,omitempty"`
	TaskReports []struct {
		Key           string `json:"key"`
		Name          string `json:"name"`
		State         string `json:"state"`
		Status        string `json:"status"`
		FailureReason string `json:"failure_reason,omitempty"`
	} `json:"task_reports,omitempty"`
}

// Done reports whether the job has finished.
func (j *Job) Done() bool { return j.State == "completed" }

// Succeeded reports a completed job with status normal (reference §5).
func (j *Job) Succeeded() bool { return j.Done() && j.Status == "normal" }

// System is the management server's description
// (/management-server/system).
type System struct {
	Vendor  string `json:"vendor"`
	Product string `json:"product"`
	Version string `json:"version"`
	UUID    string `json:"uuid"`
}
