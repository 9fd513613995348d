package kit

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/recovery-mcp/recovery-mcp/internal/safety"
)

type row struct {
	Name string `json:"name"`
	Pad  string `json:"pad"`
}

type rows struct {
	List[row]
}

func TestRenderCutsLargeListsAndSaysHow(t *testing.T) {
	items := make([]row, 2000)
	for i := range items {
		items[i] = row{Name: "snapshot", Pad: strings.Repeat("x", 60)}
	}
	r := rows{NewList(items, 5000, 0, 2000)}
	res := render(&r, "ontap_list_snapshots", false)
	raw, _ := json.Marshal(res.StructuredContent)
	if len(raw) > MaxResultBytes {
		t.Fatalf("result is %d bytes", len(raw))
	}
	var got rows
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if !got.Truncated || got.Returned != len(got.Items) || got.Returned < 100 || got.Total != 5000 || !strings.Contains(got.Note, "narrow") {
		t.Fatalf("truncation: returned=%d truncated=%v note=%q", got.Returned, got.Truncated, got.Note)
	}
	if got.NextPage == nil || *got.NextPage != 1 {
		t.Errorf("next page: %v", got.NextPage)
	}
}

func TestNewListPaging(t *testing.T) {
	cases := []struct {
		total, page, limit int
		next               *int
	}{
		{10, 0, 5, ptr(1)},
		{10, 1, 5, nil},
		{3, 0, 50, nil},
		{0, 0, 50, nil},
	}
	for _, c := range cases {
		l := NewList([]int{}, c.total, c.page, c.limit)
		if (l.NextPage == nil) != (c.next == nil) || (c.next != nil && *l.NextPage != *c.next) {
			t.Errorf("total %d page %d limit %d: next %v", c.total, c.page, c.limit, l.NextPage)
		}
		if l.Items == nil {
			t.Error("items must be [] not null")
		}
	}
}

func ptr(i int) *int { return &i }

func TestLimit(t *testing.T) {
	for in, want := range map[int]int{0: 50, -1: 50, 10: 10, 500: 500, 501: 500} {
		if got := Limit(in); got != want {
			t.Errorf("Limit(%d) = %d", in, got)
		}
	}
}

func TestDefineSchemas(t *testing.T) {
	type args struct {
		Volume string `json:"volume" jsonschema:"required" jsonschema_description:"Volume name or uuid."`
	}
	noop := func(_ contextT, _ *Call, _ args) (rows, error) { return rows{}, nil }
	read := Define(Meta{Name: "x_read", Title: "R", Description: "d", Toolset: "x", Tier: safety.Read}, noop)
	del := Define(Meta{Name: "x_delete", Title: "D", Description: "d", Toolset: "x", Tier: safety.Destructive}, noop)
	if strings.Contains(string(read.InputSchema), ConfirmTokenArg) {
		t.Error("read tool takes confirm_token")
	}
	// The preview's keys are named once, in confirm_token's description,
	// not in every confirmable tool's output schema.
	if !strings.Contains(string(del.InputSchema), ConfirmTokenArg) || !strings.Contains(string(del.InputSchema), "confirmation_required") {
		t.Errorf("destructive tool schemas: %s %s", del.InputSchema, del.OutputSchema)
	}
	if !strings.Contains(string(read.InputSchema), `"required":["volume"]`) || strings.Contains(string(read.OutputSchema), "description") {
		t.Errorf("schemas: %s %s", read.InputSchema, read.OutputSchema)
	}
	for _, bad := range []Meta{
		{Name: "BadName", Title: "t", Description: "d", Toolset: "x", Tier: safety.Read},
		{Name: "x_y", Title: "t", Description: "d", Toolset: "x"},
		{Name: "x_y", Title: "t", Description: "d", Toolset: "x", Tier: safety.Read, MayDestroy: true},
		{Name: "x_y", Tier: safety.Read, Toolset: "x"},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Define accepted %+v", bad)
				}
			}()
			Define(bad, noop)
		}()
	}
}

func TestParseTimeAndHuman(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		in     string
		future bool
		want   string
	}{
		{"2026-11-01T10:00:00+01:00", false, "2026-11-01T09:00:00Z"},
		{"2026-11-01", false, "2026-11-01T00:00:00Z"},
		{"36h", false, "2026-11-18T21:00:00Z"},
		{"7d", true, "2026-11-27T09:00:00Z"},
		{"2w", false, "2026-11-06T09:00:00Z"},
	}
	for _, c := range cases {
		got, err := ParseTime("t", c.in, now, c.future)
		if err != nil || Time(got) != c.want {
			t.Errorf("ParseTime(%q) = %v, %v; want %s", c.in, got, err, c.want)
		}
	}
	for _, bad := range []struct {
		in     string
		future bool
		want   string
	}{
		{"yesterday", false, "not a time"},
		{"99999d", true, "longer than"},
		{"1e300d", true, "longer than"},
		{"NaNd", true, "not a time"},
		{"Infw", false, "not a time"},
		{"4000d", false, "longer than"},
		{"2040-01-01", true, "more than 10 years ahead"},
		{"87600h1s", true, "longer than"},
	} {
		if _, err := ParseTime("expiration_time", bad.in, now, bad.future); err == nil || !strings.Contains(err.Error(), bad.want) || !strings.Contains(err.Error(), "expiration_time") {
			t.Errorf("ParseTime(%q) error %v, want one saying %q", bad.in, err, bad.want)
		}
	}
	if got, err := ParseTime("t", "3650d", now, true); err != nil || got.Year() != 2036 {
		t.Errorf("10 years ahead is allowed: %v %v", got, err)
	}
	for d, want := range map[time.Duration]string{90 * time.Second: "1m30s", 26 * time.Hour: "1d2h", 0: "0s", 3*time.Hour + 5*time.Minute + 9*time.Second: "3h5m"} {
		if got := Human(d); got != want {
			t.Errorf("Human(%v) = %s, want %s", d, got, want)
		}
	}
}

func TestProgressOnlyIncreases(t *testing.T) {
	c := &Call{Env: &Env{Logger: slogDiscard()}, tool: &Tool{}}
	c.req.Params.Meta = &mcp.Meta{ProgressToken: "p"}
	// No server is in the context, so nothing is delivered; the gate's state
	// says what would have been sent.
	var sent []float64
	for _, v := range []float64{0, 0, 33, 33, 20, 66, 100, 100} {
		was, wasSet := c.progress, c.progressSet
		c.Progress(context.Background(), v, 100, "")
		if !wasSet || c.progress != was {
			sent = append(sent, c.progress)
		}
	}
	if fmt.Sprint(sent) != "[0 33 66 100]" {
		t.Fatalf("sent %v, want [0 33 66 100]", sent)
	}
}

func slogDiscard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestFirstSentence(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Delete a snapshot. Refused while held.", "Delete a snapshot."},
		{"Get a task's status (e.g. after wait=false or a timeout).", "Get a task's status (e.g. after wait=false or a timeout)."},
		{"Lists things, i.e. Volumes and more. Second.", "Lists things, i.e. Volumes and more."},
		{"Keeps copies, etc. Then more.", "Keeps copies, etc. Then more."},
		{"Take one. 30 days later it expires.", "Take one."},
		{"One sentence without a period", "One sentence without a period"},
		{"Ends with the version 9.12. Then the rest.", "Ends with the version 9.12."},
		{"Name a file.txt. then lower case", "Name a file.txt. then lower case"},
	}
	for _, c := range cases {
		if got := FirstSentence(c.in); got != c.want {
			t.Errorf("FirstSentence(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

type pictured struct {
	Name string `json:"name"`
	imgs []Image
}

func (p *pictured) Images() []Image { return p.imgs }

func TestImagesFollowTheText(t *testing.T) {
	tests := []struct {
		name string
		imgs []Image
	}{
		{"none", nil},
		{"two", []Image{{MIMEType: "image/png", Data: []byte("\x89PNG one")}, {MIMEType: "image/png", Data: []byte("\x89PNG two")}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := render(&pictured{Name: "x", imgs: tc.imgs}, "get_metrics", false)
			if len(res.Content) != 1+len(tc.imgs) {
				t.Fatalf("%d content blocks, want %d", len(res.Content), 1+len(tc.imgs))
			}
			if _, ok := res.Content[0].(mcp.TextContent); !ok {
				t.Fatalf("first block %T, want text", res.Content[0])
			}
			for i, want := range tc.imgs {
				img, ok := res.Content[1+i].(mcp.ImageContent)
				if !ok || img.MIMEType != want.MIMEType || img.Data != base64.StdEncoding.EncodeToString(want.Data) {
					t.Errorf("block %d: %+v", 1+i, res.Content[1+i])
				}
			}
			raw, _ := json.Marshal(res.StructuredContent)
			if strings.Contains(string(raw), "PNG") {
				t.Errorf("image data in the structured content: %s", raw)
			}
		})
	}
}
