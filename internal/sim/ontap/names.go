package ontap

import (
	"net/url"
	"sort"
	"strings"
	"sync"
)

// ONTAP's answers to names it does not know (recorded from real clusters):
// a query parameter that is neither a reserved one nor a field of the
// model is "Unexpected argument" (262179); a name in fields= that the model
// does not have is "The value ... is invalid for field \"fields\"" (262197),
// unless ignore_unknown_fields=true (ONTAP 9.11+), which drops such names.
const (
	codeUnexpectedArgument = "262179"
	codeInvalidFieldValue  = "262197"
)

// modelNames is the parsed form of modelFields: every known path, and
// whether it has children in the list.
type modelNames map[string]bool // path -> has children

var parsedModels = sync.OnceValue(func() map[string]modelNames {
	out := make(map[string]modelNames, len(modelFields))
	for m, list := range modelFields {
		names := modelNames{}
		for _, p := range strings.Fields(list) {
			if _, ok := names[p]; !ok {
				names[p] = false
			}
			for i := strings.LastIndexByte(p, '.'); i > 0; i = strings.LastIndexByte(p[:i], '.') {
				names[p[:i]] = true
			}
		}
		out[m] = names
	}
	return out
})

// knows reports whether the model has the dotted field path: a listed
// path, a subtree of listed paths, or a path under a listed leaf whose
// own fields the list does not expand (a reference to another model).
func (k *kind) knows(path string) bool {
	if k == nil || k.model == "" {
		return true
	}
	names, ok := parsedModels()[k.model]
	if !ok {
		return true
	}
	if _, ok := names[path]; ok {
		return true
	}
	for i := strings.LastIndexByte(path, '.'); i > 0; i = strings.LastIndexByte(path[:i], '.') {
		if children, ok := names[path[:i]]; ok {
			return !children
		}
	}
	return false
}

// checkQuery refuses, as ONTAP does, query parameters that are neither
// reserved, nor extra (endpoint-specific), nor fields of the model, and
// unknown names in fields= unless ignore_unknown_fields=true. It returns the
// query to serve: with ignore_unknown_fields, unknown fields= names removed.
func (rq *request) checkQuery(k *kind, extra map[string]bool) (url.Values, *apiError) {
	keys := make([]string, 0, len(rq.q))
	for key := range rq.q {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if reservedParams[key] || extra[key] || strings.HasPrefix(key, "start.") {
			continue
		}
		if !k.knows(key) {
			return nil, &apiError{status: 400, code: codeUnexpectedArgument, message: `Unexpected argument "` + key + `".`}
		}
	}
	ignore := strings.EqualFold(rq.q.Get("ignore_unknown_fields"), "true")
	var kept []string
	dropped := false
	for _, v := range rq.q["fields"] {
		for _, f := range strings.Split(v, ",") {
			name := strings.TrimSpace(f)
			if name == "" || name == "*" || name == "**" || k.knows(name) {
				kept = append(kept, name)
				continue
			}
			if !ignore {
				return nil, &apiError{status: 400, code: codeInvalidFieldValue, target: "fields",
					message: `The value "` + name + `" is invalid for field "fields"`}
			}
			dropped = true
		}
	}
	if !dropped {
		return rq.q, nil
	}
	q := url.Values{}
	for key, vals := range rq.q {
		q[key] = vals
	}
	q["fields"] = []string{strings.Join(kept, ",")}
	return q, nil
}

// writeParams are the query parameters ONTAP's write operations take
// besides fields of their models (restore_to.* on volume PATCH, the
// relationship DELETE and PATCH flags, ...), across the simulated routes.
var writeParams = map[string]bool{
	"force": true, "destination_only": true, "source_only": true, "source_info_only": true,
	"delete_lun_maps_in_destination": true, "unmap_namespace": true, "failover": true, "failback": true,
	"force-failover": true, "preserve_lun_ids": true, "clone.match_parent_storage_tier": true, "action": true,
}

// writeKinds are the models whose fields a write may also name in its
// query (the simulator reads write parameters from the body or the query).
var writeKinds = []*kind{kindVolume, kindSnapshot, kindSnapPol, kindSchedule, kindRelationship, kindTransfer, kindJob}

// checkWriteQuery refuses, as ONTAP does, a query parameter of a POST,
// PATCH or DELETE that the operation does not take (262179).
func (rq *request) checkWriteQuery() *apiError {
	keys := make([]string, 0, len(rq.q))
	for key := range rq.q {
		keys = append(keys, key)
	}
	sort.Strings(keys)
next:
	for _, key := range keys {
		if reservedParams[key] || writeParams[key] || strings.HasPrefix(key, "restore_to.") {
			continue
		}
		for _, k := range writeKinds {
			if k.knows(key) {
				continue next
			}
		}
		return &apiError{status: 400, code: codeUnexpectedArgument, message: `Unexpected argument "` + key + `".`}
	}
	return nil
}
