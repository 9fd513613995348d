package ontap

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// ListOptions shape a collection GET.
type ListOptions struct {
	// Fields selects the fields (ONTAP's fields=). Nil uses the method's
	// default list, which names the expensive fields it needs; "*" is
	// ONTAP's common set, "**" everything.
	Fields []string
	// Query holds filters by field: {"name": "vol_*", "svm.name": "svm1",
	// "state": "!offline", "lag_time": ">PT2H", "healthy": "false"}. ONTAP
	// supports *, | (or), !, <, >, <=, >= and null.
	Query map[string]string
	// OrderBy is ONTAP's order_by ("name", "create_time desc").
	OrderBy string
	// MaxRecords is the page size (max_records); 0 leaves ONTAP's default.
	MaxRecords int
	// Limit stops after this many records in all (0: every page). Ask for
	// one more than you show to learn whether more exist.
	Limit int
}

func (o *ListOptions) query(defaultFields string) url.Values {
	q := url.Values{}
	fields := defaultFields
	if o != nil && o.Fields != nil {
		fields = strings.Join(o.Fields, ",")
	}
	if fields != "" {
		q.Set("fields", fields)
	}
	if o == nil {
		return q
	}
	keys := make([]string, 0, len(o.Query))
	for k := range o.Query {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		q.Set(k, o.Query[k])
	}
	if o.OrderBy != "" {
		q.Set("order_by", o.OrderBy)
	}
	max := o.MaxRecords
	if o.Limit > 0 && (max == 0 || max > o.Limit) {
		max = o.Limit
	}
	if max > 0 {
		q.Set("max_records", strconv.Itoa(max))
	}
	return q
}

func (o *ListOptions) limit() int {
	if o == nil {
		return 0
	}
	return o.Limit
}

// Page is one page of a collection.
type Page[T any] struct {
	Records    []T    `json:"records"`
	NumRecords int    `json:"num_records"`
	Links      *Links `json:"_links,omitempty"`
}

// Next is the href of the next page, or "".
func (p *Page[T]) Next() string {
	if p.Links != nil && p.Links.Next != nil {
		return p.Links.Next.Href
	}
	return ""
}

// GetPage reads one page: path is a collection path relative to /api
// ("/storage/volumes") with its query, or a _links.next href ("/api/...")
// followed verbatim (q is then ignored).
func GetPage[T any](ctx context.Context, c *Client, path string, q url.Values) (*Page[T], error) {
	if strings.HasPrefix(path, "/api/") {
		q = nil
	}
	var p Page[T]
	if err := c.getJSON(ctx, path, q, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// Walk reads a collection page by page, following _links.next, and calls
// fn with each page's records until fn returns an error (returned, except
// ErrStopWalk) or the pages run out.
func Walk[T any](ctx context.Context, c *Client, path string, q url.Values, fn func([]T) error) error {
	seen := map[string]bool{}
	for path != "" {
		p, err := GetPage[T](ctx, c, path, q)
		if err != nil {
			return err
		}
		if err := fn(p.Records); err != nil {
			if errors.Is(err, ErrStopWalk) {
				return nil
			}
			return err
		}
		next := p.Next()
		if next != "" && seen[next] {
			return fmt.Errorf("ontap: %s: pagination loops on %s", path, next)
		}
		seen[next] = true
		path, q = next, nil
	}
	return nil
}

// ErrStopWalk ends a Walk early without an error.
var ErrStopWalk = errors.New("ontap: stop walk")

// listAll walks a collection and returns up to limit records (0: all).
func listAll[T any](ctx context.Context, c *Client, path string, q url.Values, limit int) ([]T, error) {
	out := []T{}
	err := Walk(ctx, c, path, q, func(recs []T) error {
		out = append(out, recs...)
		if limit > 0 && len(out) >= limit {
			out = out[:limit]
			return ErrStopWalk
		}
		return nil
	})
	return out, err
}

// FanOut calls fn for each item with at most MaxConcurrency calls at a
// time, and returns the errors joined (each call's error should say which
// item failed). It stops starting new calls when ctx is cancelled.
func FanOut[T any](ctx context.Context, c *Client, items []T, fn func(context.Context, T) error) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	n := cap(c.slots)
	work := make(chan T)
	for i := 0; i < n && i < len(items); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				if err := fn(ctx, it); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
feed:
	for _, it := range items {
		select {
		case work <- it:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if ctx.Err() != nil {
		errs = append(errs, ctx.Err())
	}
	return errors.Join(errs...)
}
