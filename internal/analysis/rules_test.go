package analysis

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/recovery-mcp/recovery-mcp/internal/inventory"
)

func TestDefaultRulesValid(t *testing.T) {
	if err := DefaultRules().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestRulesValidate(t *testing.T) {
	r := DefaultRules()
	r.Volume.NearlyFullPercent = 95
	r.Replication.LagErrorRatio = 1
	r.Capacity.MinR2 = 1.5
	r.Anomaly.BaselineWindow = 2
	r.Recovery.FallbackThroughput = 0
	r.Operations.Window = 0
	err := r.Validate()
	if err == nil {
		t.Fatal("want errors")
	}
	for _, field := range []string{"volume:", "replication.lag_error_ratio", "capacity.min_r2", "anomaly.baseline_window",
		"recovery.fallback_throughput_bytes_per_second", "operations.window"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error does not name %s:\n%v", field, err)
		}
	}
	if err.Error() != r.Validate().Error() {
		t.Error("error message is not stable")
	}
}

var snake = regexp.MustCompile(`^[a-z0-9]+(_[a-z0-9]+)*$`)

// Every rules field carries a snake_case yaml tag equal to its json tag, so
// a YAML loader and the JSON rendering agree.
func TestRulesTags(t *testing.T) {
	var walk func(reflect.Type, string)
	walk = func(ty reflect.Type, path string) {
		for i := range ty.NumField() {
			f := ty.Field(i)
			y, j := f.Tag.Get("yaml"), f.Tag.Get("json")
			if !snake.MatchString(strings.ReplaceAll(y, "3_2_1_1_0", "x")) || y != j {
				t.Errorf("%s.%s: yaml %q json %q", path, f.Name, y, j)
			}
			if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(inventory.Duration(0)) {
				walk(f.Type, path+"."+y)
			}
		}
	}
	walk(reflect.TypeOf(Rules{}), "rules")
}

// Durations in rules load from text (as YAML gives them).
func TestRulesDurationsFromText(t *testing.T) {
	var r struct {
		W inventory.Duration `json:"w"`
		R inventory.Duration `json:"r"`
	}
	if err := json.Unmarshal([]byte(`{"w":"7d","r":"P2555D"}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.W.D() != 7*24*time.Hour || r.R.Days() != 2555 {
		t.Errorf("%v %v", r.W, r.R)
	}
}

// Engines must not panic or emit unmarshalable output even with rules that
// fail validation (a loader might skip Validate).
func TestZeroRulesDoNotPanic(t *testing.T) {
	e := genEstate(60, 30, 3)
	var r Rules
	mustJSON(t, Health(e, r))
	mustJSON(t, Predict(e, r))
	mustJSON(t, Optimize(e, r))
	for _, fw := range Frameworks {
		mustJSON(t, Comply(e, nil, fw, r))
	}
	for _, s := range Scenarios {
		mustJSON(t, Recommend(e, e.Entities[0].Name, time.Time{}, s, r))
		mustJSON(t, Recommend(e, e.Entities[len(e.Entities)-1].Name, time.Time{}, s, r))
	}
	if _, err := PredictEntity(e, e.Entities[0].Name, r); err != nil {
		t.Fatal(err)
	}
}
