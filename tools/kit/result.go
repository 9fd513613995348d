package kit

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"
)

// Limits on list results and response size.
const (
	DefaultLimit = 50
	MaxLimit     = 500
	// MaxResultBytes caps a result's JSON. The text content repeats it, so
	// a whole response stays near the 80 KB (about 20,000 tokens) budget.
	MaxResultBytes = 40_000
)

// Limit returns n clamped to 1..MaxLimit, DefaultLimit when n is 0.
func Limit(n int) int {
	switch {
	case n <= 0:
		return DefaultLimit
	case n > MaxLimit:
		return MaxLimit
	default:
		return n
	}
}

// List is the envelope of every list result.
type List[T any] struct {
	Items     []T    `json:"items"`
	Returned  int    `json:"returned"`
	Total     int    `json:"total"`
	NextPage  *int   `json:"next_page,omitempty"`
	Truncated bool   `json:"truncated"`
	Note      string `json:"note,omitempty"`
}

// NewList builds the envelope for one page of items out of total, where page
// is zero-based and limit the page size.
func NewList[T any](items []T, total, page, limit int) List[T] {
	if items == nil {
		items = []T{}
	}
	l := List[T]{Items: items, Returned: len(items), Total: total}
	if limit > 0 && (page+1)*limit < total {
		next := page + 1
		l.NextPage = &next
	}
	return l
}

// Len returns how many items the list holds.
func (l *List[T]) Len() int { return len(l.Items) }

// TruncateTo keeps the first n items and says so.
func (l *List[T]) TruncateTo(n int, why string) {
	if n < len(l.Items) {
		l.Items = l.Items[:n]
		l.Returned = n
		l.Truncated = true
	}
	if why != "" {
		l.Note = why
	}
}

// truncatable is implemented by *List[T] and by result structs embedding it.
type truncatable interface {
	Len() int
	TruncateTo(n int, why string)
}

// Summarizer is implemented by results that lead their text with a one-line
// summary of their own.
type Summarizer interface{ Summary() string }

// Texter is implemented by results that can render their own text content
// (a Markdown report); when Text returns "", the compact JSON form is used.
type Texter interface{ Text() string }

// Image is a picture a result carries beside its structured content (a
// PNG chart): it becomes an MCP image content block after the text. It is
// never part of the structured content.
type Image struct {
	MIMEType string
	Data     []byte
}

// Imager is implemented by results that carry images; a result without
// any returns none (the structured content says why, e.g. charts off).
type Imager interface{ Images() []Image }

// structured renders v as structuredContent plus compact text led by a
// summary line, then v's images, if any.
func structured(v any, summary string) *mcp.CallToolResult {
	raw, err := json.Marshal(v)
	if err != nil {
		return errorResult(fmt.Errorf("encode result: %w", err))
	}
	if s, ok := v.(Summarizer); ok && summary == "" {
		summary = s.Summary()
	}
	text := string(raw)
	if summary != "" {
		text = summary + "\n" + text
	}
	if t, ok := v.(Texter); ok {
		if md := t.Text(); md != "" {
			text = md
		}
	}
	content := []mcp.Content{mcp.NewTextContent(text)}
	if im, ok := v.(Imager); ok {
		for _, img := range im.Images() {
			content = append(content, mcp.NewImageContent(base64.StdEncoding.EncodeToString(img.Data), img.MIMEType))
		}
	}
	return &mcp.CallToolResult{Content: content, StructuredContent: json.RawMessage(raw)}
}

// render turns a handler's result into the tool result, cutting lists that
// would exceed MaxResultBytes and saying how to narrow them. A result that
// is not a list and still too big has its long strings cut (what a write
// echoes back); a write's outcome is never turned into an error by its size.
func render(v any, toolName string, wrote bool) *mcp.CallToolResult {
	raw, err := json.Marshal(v)
	if err != nil {
		return errorResult(fmt.Errorf("encode result: %w", err))
	}
	if len(raw) > MaxResultBytes {
		t, ok := v.(truncatable)
		if !ok {
			if short, ok := shrinkStrings(raw, MaxResultBytes); ok || wrote {
				summary := ""
				if s, ok := v.(Summarizer); ok {
					summary = clip(s.Summary(), 2000)
				}
				return structured(short, clip(summary, 2000)+" (long text in the result was cut to fit the response limit)")
			}
			return errorResult(&Error{Kind: KindInvalidArgs, Msg: fmt.Sprintf("the result is %d KB, over the %d KB limit", len(raw)/1000, MaxResultBytes/1000), Hint: "Narrow the request (filters, a smaller limit) and call " + toolName + " again."})
		}
		total := t.Len()
		n := total * MaxResultBytes / len(raw)
		for n > 0 {
			t.TruncateTo(n, "")
			if raw, err = json.Marshal(v); err != nil {
				return errorResult(fmt.Errorf("encode result: %w", err))
			}
			if len(raw) <= MaxResultBytes-300 { // room for the note
				break
			}
			n = n * 9 / 10
		}
		t.TruncateTo(n, fmt.Sprintf("cut to %d of %d items to keep the response under %d KB; narrow with filters or a smaller limit, or page on", n, total, MaxResultBytes/1000))
	}
	return structured(v, "")
}

// PageOf returns page (zero-based) of size limit of items.
func PageOf[T any](items []T, page, limit int) []T {
	start := max(page, 0) * limit
	if start >= len(items) || limit <= 0 {
		return nil
	}
	return items[start:min(start+limit, len(items))]
}

// Paged is the list envelope of one page of all, for a limit argument as
// the user gave it (0: the default).
func Paged[T any](all []T, page, limitArg int) List[T] {
	limit := Limit(limitArg)
	return NewList(PageOf(all, page, limit), len(all), page, limit)
}

// shrinkStrings cuts the long strings of a JSON value until it fits limit
// bytes, keeping its shape (so it still matches the output schema). ok is
// false when even short strings do not fit; the result is then as small as
// it gets.
func shrinkStrings(raw []byte, limit int) (json.RawMessage, bool) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return raw, false
	}
	out := raw
	for n := 4096; n >= 64; n /= 2 {
		b, err := json.Marshal(clipStrings(v, n))
		if err != nil {
			return raw, false
		}
		out = b
		if len(b) <= limit {
			return b, true
		}
	}
	return out, false
}

func clipStrings(v any, n int) any {
	switch x := v.(type) {
	case string:
		return clip(x, n)
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = clipStrings(e, n)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = clipStrings(e, n)
		}
		return l
	default:
		return v
	}
}
