package config_test

import (
	"errors"
	. "github.com/recovery-mcp/recovery-mcp/internal/config"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
)

// FuzzParseConfig: the config file is outside input. Any bytes either
// parse, take defaults and validate, or give a config Error that names
// the source and says what is wrong; a config that validates holds no
// threshold that is not a number (NaN or infinity silently disable every
// comparison an analysis makes) and no negative duration.
func FuzzParseConfig(f *testing.F) {
	if b, err := os.ReadFile("../../testdata/config.example.yaml"); err == nil {
		f.Add(b)
	} else {
		f.Fatal(err)
	}
	for _, s := range []string{
		"", "targets: []", "targets: [{name: a, kind: ontap, host: h}]", "targets: [{name: a, kind: nutanix, host: h, port: 70000}]",
		"targets: [{name: a, kind: ontap, host: h, password: hunter2}]", "targets: [{name: a, kind: ontap, host: h, timeout: -1s}]",
		"safety: {confirm_ttl: 1e300h}", "analysis: {volume: {nearly_full_percent: .nan}}", "analysis: {volume: {full_percent: .inf}}",
		"analysis: {rpo: {grace: .nan}}", "analysis: {operations: {window: 1e300}}", "analysis: {operations: {window: -3d}}",
		"analysis: {operations: {stuck_after: NaN}}", "unknown: 1", "targets: {name: a}", "http: {allowed_origins: [ftp://x]}",
		"a: &a [*a]", "targets: [{name: a, kind: ontap, host: h, credentials_command: [], password_env: X}]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "fuzz.yaml")
		if cfg != nil {
			cfg.Kinds = kinds()
		}
		if err != nil {
			checkConfigError(t, data, err)
			return
		}
		cfg.ApplyDefaults()
		if err := cfg.Validate(); err != nil {
			checkConfigError(t, data, err)
			return
		}
		if path, ok := nonFinite(reflect.ValueOf(cfg.Analysis), "analysis"); ok {
			t.Fatalf("%q validates with %s not a finite number", data, path)
		}
		for i, tg := range cfg.Targets {
			if tg.Timeout.D() <= 0 || tg.Port < 1 || tg.Port > 65535 || tg.InlinePassword != "" {
				t.Fatalf("%q validates with targets[%d] = %+v", data, i, tg)
			}
		}
		if cfg.Safety.ConfirmTTL.D() <= 0 {
			t.Fatalf("%q validates with confirm_ttl %v", data, cfg.Safety.ConfirmTTL.D())
		}
	})
}

func checkConfigError(t *testing.T, data []byte, err error) {
	t.Helper()
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("%q: error %T %v is not a config Error", data, err, err)
	}
	if ce.Source != "fuzz.yaml" || strings.TrimSpace(ce.Msg) == "" || ce.Line < 0 {
		t.Fatalf("%q: error without a source or message: %+v", data, ce)
	}
}

// nonFinite finds a float field holding NaN or an infinity, or a negative
// duration, and returns its path.
func nonFinite(v reflect.Value, path string) (string, bool) {
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		return path, math.IsNaN(f) || math.IsInf(f, 0)
	case reflect.Int64:
		if strings.HasSuffix(v.Type().Name(), "Duration") && v.Int() < 0 {
			return path, true
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if !v.Type().Field(i).IsExported() {
				continue
			}
			if p, ok := nonFinite(v.Field(i), path+"."+v.Type().Field(i).Name); ok {
				return p, true
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if p, ok := nonFinite(v.Index(i), path); ok {
				return p, true
			}
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			if p, ok := nonFinite(v.MapIndex(k), path); ok {
				return p, true
			}
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return nonFinite(v.Elem(), path)
		}
	}
	return "", false
}
