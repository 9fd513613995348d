// Package fault injects the failures real backends show — latency and
// jitter, error statuses, 429 with Retry-After, dropped connections — into
// the simulators' HTTP handlers, per endpoint, so tests and demos can show
// the clients retrying where that is safe and failing clearly where not.
// Task and job failures (a task that fails, a job that never finishes) are
// the simulators' own business, because they are part of the API's state.
package fault

import (
	"context"
	"fmt"
	"math/rand"
	"net/http"
	"path"
	"strconv"
	"sync"
	"time"
)

// Rule is one fault applied to the requests it matches.
type Rule struct {
	// Method matches the HTTP method; empty matches all.
	Method string `yaml:"method" json:"method,omitempty"`
	// Path is a path.Match pattern ("/api/storage/volumes/*/snapshots") or
	// a prefix ending in "/" or "*"; empty matches all.
	Path string `yaml:"path" json:"path,omitempty"`

	Latency time.Duration `yaml:"latency" json:"latency,omitempty"`
	Jitter  time.Duration `yaml:"jitter" json:"jitter,omitempty"`

	// ErrorRate is the fraction of matching requests answered with Status
	// (default 503).
	ErrorRate float64 `yaml:"error_rate" json:"error_rate,omitempty"`
	Status    int     `yaml:"status" json:"status,omitempty"`
	// RateLimitRate is the fraction answered 429 with Retry-After.
	RateLimitRate float64       `yaml:"rate_limit_rate" json:"rate_limit_rate,omitempty"`
	RetryAfter    time.Duration `yaml:"retry_after" json:"retry_after,omitempty"`
	// DropRate is the fraction whose connection is closed without an answer.
	DropRate float64 `yaml:"drop_rate" json:"drop_rate,omitempty"`
	// LoseAnswerRate is the fraction that the backend carries out whose
	// answer is then lost: the connection closes after the handler ran, as
	// when a proxy or the network fails on the way back. Only this tells a
	// client whether it reconciles instead of assuming nothing happened.
	LoseAnswerRate float64 `yaml:"lose_answer_rate" json:"lose_answer_rate,omitempty"`
	// Count limits the rule to its first Count matching requests (0: all).
	Count int `yaml:"count" json:"count,omitempty"`
}

// Validate reports a rule that cannot work.
func (r Rule) Validate() error {
	for name, v := range map[string]float64{"error_rate": r.ErrorRate, "rate_limit_rate": r.RateLimitRate, "drop_rate": r.DropRate, "lose_answer_rate": r.LoseAnswerRate} {
		if v < 0 || v > 1 {
			return fmt.Errorf("%s %v: want a fraction from 0 to 1", name, v)
		}
	}
	if r.ErrorRate+r.RateLimitRate+r.DropRate+r.LoseAnswerRate > 1 {
		return fmt.Errorf("error_rate + rate_limit_rate + drop_rate + lose_answer_rate exceed 1")
	}
	if r.Status != 0 && (r.Status < 400 || r.Status > 599) {
		return fmt.Errorf("status %d: want an HTTP error status", r.Status)
	}
	if r.Latency < 0 || r.Jitter < 0 || r.RetryAfter < 0 || r.Count < 0 {
		return fmt.Errorf("latency, jitter, retry_after and count must not be negative")
	}
	if r.Path != "" {
		if _, err := path.Match(r.Path, "/"); err != nil {
			return fmt.Errorf("path %q: %v", r.Path, err)
		}
	}
	return nil
}

func (r Rule) matches(req *http.Request) bool {
	if r.Method != "" && r.Method != req.Method {
		return false
	}
	if r.Path == "" {
		return true
	}
	if ok, _ := path.Match(r.Path, req.URL.Path); ok {
		return true
	}
	last := r.Path[len(r.Path)-1]
	if last == '/' || last == '*' {
		prefix := r.Path[:len(r.Path)-1]
		return len(req.URL.Path) >= len(prefix) && req.URL.Path[:len(prefix)] == prefix
	}
	return false
}

// Injector applies rules to requests. It is safe for concurrent use; the
// rules may be replaced while serving.
type Injector struct {
	mu    sync.Mutex
	rules []Rule
	hits  []int
	rng   *rand.Rand
	sleep func(context.Context, time.Duration) error
}

// New returns an injector whose random choices come from seed.
func New(seed int64, rules ...Rule) *Injector {
	i := &Injector{rng: rand.New(rand.NewSource(seed)), sleep: sleepCtx}
	i.Set(rules...)
	return i
}

// Set replaces the rules.
func (i *Injector) Set(rules ...Rule) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.rules = append([]Rule(nil), rules...)
	i.hits = make([]int, len(rules))
}

type decision struct {
	delay      time.Duration
	status     int
	retryAfter time.Duration
	drop       bool
	loseAnswer bool
}

// decide applies every matching rule: latencies add up, and the first rule
// that fires an error decides the answer.
func (i *Injector) decide(req *http.Request) decision {
	i.mu.Lock()
	defer i.mu.Unlock()
	var d decision
	for k, r := range i.rules {
		if !r.matches(req) || (r.Count > 0 && i.hits[k] >= r.Count) {
			continue
		}
		i.hits[k]++
		d.delay += r.Latency
		if r.Jitter > 0 {
			d.delay += time.Duration(i.rng.Int63n(int64(r.Jitter) + 1))
		}
		if d.status != 0 || d.drop {
			continue
		}
		x := i.rng.Float64()
		switch {
		case x < r.DropRate:
			d.drop = true
		case x < r.DropRate+r.RateLimitRate:
			d.status = http.StatusTooManyRequests
			d.retryAfter = r.RetryAfter
			if d.retryAfter == 0 {
				d.retryAfter = time.Second
			}
		case x < r.DropRate+r.RateLimitRate+r.ErrorRate:
			d.status = r.Status
			if d.status == 0 {
				d.status = http.StatusServiceUnavailable
			}
		case x < r.DropRate+r.RateLimitRate+r.ErrorRate+r.LoseAnswerRate:
			d.loseAnswer = true
		}
	}
	return d
}

// Wrap returns h behind the injector.
func (i *Injector) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		d := i.decide(req)
		if d.delay > 0 {
			if err := i.sleep(req.Context(), d.delay); err != nil {
				return // the client gave up
			}
		}
		switch {
		case d.loseAnswer:
			h.ServeHTTP(discard{header: http.Header{}}, req) // the backend acts...
			abort(w)                                         // ...and its answer never arrives
		case d.drop:
			abort(w)
		case d.status == http.StatusTooManyRequests:
			secs := int((d.retryAfter + time.Second - 1) / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			http.Error(w, "too many requests (injected fault)", d.status)
		case d.status != 0:
			http.Error(w, http.StatusText(d.status)+" (injected fault)", d.status)
		default:
			h.ServeHTTP(w, req)
		}
	})
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// abort closes the connection without an answer.
func abort(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // HTTP/2: abort the stream
}

// discard is a ResponseWriter whose answer goes nowhere.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(p []byte) (int, error) { return len(p), nil }
func (d discard) WriteHeader(int)             {}
