package resources_test

import (
	"regexp"
	"testing"

	"github.com/recovery-mcp/recovery-mcp/resources"
)

// TestDashboardWritesTextOnly: the dashboard shows names and messages from
// the backends (anyone who may create a VM names it) inside the host, so
// the page must put data in as text (textContent, createTextNode), never
// parse it as HTML or code. A static guard: none of the sinks that would
// turn a string into markup or script may appear in the page.
func TestDashboardWritesTextOnly(t *testing.T) {
	page := resources.DashboardHTML()
	sinks := regexp.MustCompile(`\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(|setTimeout\(\s*["'\x60]|\.srcdoc|createContextualFragment|javascript:`)
	if m := sinks.FindAllString(page, -1); len(m) > 0 {
		t.Errorf("the dashboard page uses HTML or code sinks %q: put data in with textContent", m)
	}
	for _, want := range []string{"textContent", "ev.source !== host"} {
		if !regexp.MustCompile(regexp.QuoteMeta(want)).MatchString(page) {
			t.Errorf("the dashboard page lacks %q", want)
		}
	}
}
