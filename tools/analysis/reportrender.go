package analysis

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	eng "github.com/recovery-mcp/recovery-mcp/internal/analysis"
)

// reportView is a report laid out for people: both renderers (Markdown,
// HTML) read it, so the two formats always say the same thing.
type reportView struct {
	Title    string
	Lines    []string // the opening paragraph, one sentence per line
	Summary  eng.ComplianceSummary
	Controls []controlView
	Drills   []drillView
	Runs     []RunTally
	Changes  []changeView
	Notes    []string // what the report lacks or cut, and why
	Period   bool
	// Metrics and their charts (with a period).
	MetricsLine string
	Metrics     []metricView
	RPOMissed   []string // entities missing their RPO, worst first
	RPOLine     string
	Charts      []chartView
	ChartsNote  string
}

type metricView struct {
	Title, Value, Target, Met, Source string
}

// chartView is one chart: embedded (Img), linked (File) or not drawn
// (Reason).
type chartView struct {
	Name, Title, File, Reason string
	// Img is the <img> element with the PNG as a data: URI, built here:
	// html/template would escape every "+" of the base64 text as &#43;.
	Img template.HTML
}

type controlView struct {
	ID, Title, Reference, Status, Remediation string
	Evidence                                  []string // key: value
	Affected                                  []string
	More                                      int // affected entities beyond those listed
	Count                                     int // all affected entities
}

type drillView struct {
	Run, Kind, Entity, Status, Started, Ended, RTO, RPO, Result, Evidence string
}

type changeView struct {
	Time, Tool, Tier, Target, Who, Outcome, Task, Args string
}

// evidenceValue prints an evidence value plainly (no exponents, lists
// comma-separated).
func evidenceValue(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case []string:
		return strings.Join(x, ", ")
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = evidenceValue(e)
		}
		return strings.Join(parts, ", ")
	case fmt.Stringer:
		return x.String()
	}
	if k := reflect.ValueOf(v).Kind(); k == reflect.Map || k == reflect.Slice || k == reflect.Struct {
		if b, err := json.Marshal(v); err == nil {
			return string(b) // maps with sorted keys
		}
	}
	return fmt.Sprint(v)
}

// tsec is a time to the second (drills and changes happen minutes apart).
func tsec(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func secs(s float64) string {
	return fmt.Sprintf("%.0f s", s)
}

func viewOf(r ComplianceResult) reportView {
	v := reportView{Title: strings.ToUpper(r.Framework) + " backup compliance report", Summary: r.ComplianceReport.Summary, Period: r.Period != nil}
	scope := "all protected entities"
	if len(r.ScopeTags) > 0 {
		scope = "entities tagged " + strings.Join(r.ScopeTags, ", ")
	}
	v.Lines = append(v.Lines,
		fmt.Sprintf("Controls judged at the estate's time %s over %d in-scope entities (%s).", ts(r.AsOf), r.InScope, scope),
		fmt.Sprintf("Result: %d pass, %d fail, %d unknown of %d controls.", r.ComplianceReport.Summary.Pass, r.ComplianceReport.Summary.Fail, r.ComplianceReport.Summary.Unknown, r.ComplianceReport.Summary.Total))
	if r.Partial {
		v.Notes = append(v.Notes, fmt.Sprintf("Partial estate: %s not fully collected; controls that would pass there are reported unknown.", strings.Join(r.IncompleteTargets, ", ")))
	}
	if p := r.Period; p != nil {
		v.Lines = append(v.Lines, fmt.Sprintf("Period %s: drills, workflow runs and changes from %s to %s (server clock).", p.Text, ts(p.From), ts(p.To)))
		if !p.AuditComplete {
			msg := "The server holds no audit record: changes made in the period, if any, are not in this report"
			if !p.AuditSince.IsZero() {
				msg = "The audit trail this server holds reaches back to " + ts(p.AuditSince) + " only: changes before that are not in this report"
			}
			v.Notes = append(v.Notes, msg+" (safety.audit_file keeps the trail across restarts).")
		}
		if p.ChangesListed < p.ChangesTotal {
			v.Notes = append(v.Notes, fmt.Sprintf("%d of %d changes listed, newest first.", p.ChangesListed, p.ChangesTotal))
		}
		v.Notes = append(v.Notes, p.Missing...)
		v.Runs = p.Runs
	}
	if r.Note != "" {
		v.Notes = append(v.Notes, r.Note)
	}
	for _, c := range r.Controls {
		cv := controlView{ID: c.ID, Title: c.Title, Reference: c.Reference, Status: c.Status, Remediation: c.Remediation, More: c.AffectedCount - len(c.Affected), Count: c.AffectedCount}
		keys := make([]string, 0, len(c.Evidence))
		for k := range c.Evidence {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			cv.Evidence = append(cv.Evidence, k+": "+evidenceValue(c.Evidence[k]))
		}
		for _, a := range c.Affected {
			cv.Affected = append(cv.Affected, entity(a))
		}
		v.Controls = append(v.Controls, cv)
	}
	for _, d := range r.Drills {
		dv := drillView{Run: d.Run, Kind: d.Kind + " (" + d.Type + ")", Entity: d.Entity, Status: d.Status, Started: tsec(d.Started), Ended: tsec(d.Ended), RTO: "-", RPO: "-", Result: "-", Evidence: d.Evidence}
		if d.RTOS != nil {
			dv.RTO = secs(*d.RTOS)
			if d.RTOTargetS > 0 {
				dv.RTO += fmt.Sprintf(" (target %d s)", d.RTOTargetS)
			}
		}
		if d.RPOS != nil {
			dv.RPO = fmt.Sprintf("%d s", *d.RPOS)
			if d.RPOTargetS > 0 {
				dv.RPO += fmt.Sprintf(" (target %d s)", d.RPOTargetS)
			}
		}
		if d.Passed != nil {
			dv.Result = map[bool]string{true: "passed", false: "failed"}[*d.Passed]
		}
		if d.Error != "" {
			dv.Evidence = strings.TrimPrefix(dv.Evidence+"; error: "+d.Error, "; ")
		}
		v.Drills = append(v.Drills, dv)
	}
	if m := r.Metrics; m != nil {
		v.MetricsLine = fmt.Sprintf("Success metrics of %s (not only the framework's scope), %s: %s to %s, estate clock.", scopeText(m.Scope), m.Period.Label, ts(m.Period.From), ts(m.Period.To))
		for i := range m.Metrics {
			x := &m.Metrics[i]
			mv := metricView{Title: x.Title, Value: x.Text(), Target: "-", Met: "-", Source: strings.TrimSpace(sourceText(x.Source))}
			if x.Target != nil {
				mv.Target = eng.FormatValue(*x.Target, x.Unit)
			}
			if x.Met != nil {
				mv.Met = map[bool]string{true: "yes", false: "no"}[*x.Met]
			}
			if len(x.Source.IDs) > 0 {
				mv.Source += "; e.g. " + strings.Join(x.Source.IDs[:min(3, len(x.Source.IDs))], ", ")
			}
			v.Metrics = append(v.Metrics, mv)
		}
		for _, x := range m.RPOEntities {
			ach := x.Missing
			if x.AchievedSeconds != nil {
				ach = "achieved " + eng.FormatValue(*x.AchievedSeconds, "s")
			}
			v.RPOMissed = append(v.RPOMissed, fmt.Sprintf("%s: %s against %s", entity(x.Entity), ach, eng.FormatValue(x.TargetSeconds, "s")))
		}
		if len(v.RPOMissed) > 0 {
			v.RPOLine = fmt.Sprintf("Entities missing their RPO, worst %d (get_metrics lists more):", len(v.RPOMissed))
		}
	}
	for _, c := range r.Changes {
		who := c.Principal
		if c.Client != "" {
			who = strings.TrimSpace(who + " via " + c.Client)
		}
		args := ""
		if len(c.Args) > 0 {
			b, _ := json.Marshal(c.Args) // maps marshal with sorted keys
			args = string(b)
		}
		v.Changes = append(v.Changes, changeView{Time: tsec(c.Time), Tool: c.Tool, Tier: c.Tier, Target: c.Target, Who: who, Outcome: c.Outcome, Task: c.TaskID, Args: args})
	}
	return v
}

// ReportMarkdown renders a compliance report with its period as Markdown
// text, without charts (the tool's text; get_metrics returns the charts).
func ReportMarkdown(r ComplianceResult) string {
	v := viewOf(r)
	if r.Metrics != nil {
		v.ChartsNote = "Charts: get_metrics with the same period returns them as images."
	}
	return markdown(v)
}

// mdEscaper makes text from the backends, the audit trail or the caller
// plain text in a Markdown report: anyone who may create a VM names it,
// and Markdown viewers render raw HTML, so <, > and & are escaped as the
// HTML report escapes them; | cannot end a table cell and a line break
// cannot start a new block. Arguments stay in a code span (code), where
// JSON already escapes <, > and &.
var mdEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "|", "\\|", "\r\n", " ", "\n", " ", "\r", " ")

func md(s string) string { return mdEscaper.Replace(s) }

func markdown(v reportView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", md(v.Title))
	for _, l := range v.Lines {
		fmt.Fprintf(&b, "%s\n", md(l))
	}
	for _, n := range v.Notes {
		fmt.Fprintf(&b, "\n> **Note:** %s\n", md(n))
	}
	b.WriteString("\n## Controls\n\n| control | status | affected |\n|---|---|---|\n")
	for _, c := range v.Controls {
		fmt.Fprintf(&b, "| %s %s | **%s** | %d |\n", md(c.ID), md(c.Title), md(c.Status), c.Count)
	}
	for _, c := range v.Controls {
		fmt.Fprintf(&b, "\n### %s %s: %s\n\nReference: %s.\n\nEvidence:\n\n", md(c.ID), md(c.Title), md(c.Status), md(c.Reference))
		for _, e := range c.Evidence {
			fmt.Fprintf(&b, "- %s\n", md(e))
		}
		if len(c.Affected) > 0 {
			fmt.Fprintf(&b, "\nAffected: %s", md(strings.Join(c.Affected, "; ")))
			if c.More > 0 {
				fmt.Fprintf(&b, " and %d more", c.More)
			}
			b.WriteString(".\n")
		}
		if c.Remediation != "" && c.Status != eng.StatusPass {
			fmt.Fprintf(&b, "\nRemediation: %s\n", md(c.Remediation))
		}
	}
	if !v.Period {
		return b.String()
	}
	if v.MetricsLine != "" {
		fmt.Fprintf(&b, "\n## Success metrics\n\n%s\n\n| metric | value | target | met | source |\n|---|---|---|---|---|\n", md(v.MetricsLine))
		for _, m := range v.Metrics {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", md(m.Title), md(m.Value), md(m.Target), m.Met, md(m.Source))
		}
		if v.RPOLine != "" {
			fmt.Fprintf(&b, "\n%s\n\n", md(v.RPOLine))
			for _, x := range v.RPOMissed {
				fmt.Fprintf(&b, "- %s\n", md(x))
			}
		}
		if len(v.Charts) > 0 {
			b.WriteString("\n")
		}
		for _, c := range v.Charts {
			switch {
			case c.File != "":
				fmt.Fprintf(&b, "![%s](%s)\n\n", c.Title, c.File)
			case c.Reason != "":
				fmt.Fprintf(&b, "- Chart %s not drawn: %s.\n", md(c.Name), md(c.Reason))
			}
		}
		if v.ChartsNote != "" {
			fmt.Fprintf(&b, "\n%s\n", v.ChartsNote)
		}
	}
	b.WriteString("\n## Recovery drills\n\n")
	if len(v.Drills) == 0 {
		b.WriteString("No drill in the period.\n")
	} else {
		b.WriteString("| run | kind | entity | status | started | ended | RTO | RPO | result | evidence |\n|---|---|---|---|---|---|---|---|---|---|\n")
		for _, d := range v.Drills {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", md(d.Run), md(d.Kind), md(d.Entity), md(d.Status), d.Started, d.Ended, d.RTO, d.RPO, d.Result, md(d.Evidence))
		}
	}
	b.WriteString("\n## Workflow runs\n\n")
	if len(v.Runs) == 0 {
		b.WriteString("No workflow run in the period.\n")
	} else {
		b.WriteString("| kind | status | runs |\n|---|---|---|\n")
		for _, t := range v.Runs {
			fmt.Fprintf(&b, "| %s | %s | %d |\n", md(t.Kind), md(t.Status), t.Count)
		}
	}
	b.WriteString("\n## Change audit\n\n")
	if len(v.Changes) == 0 {
		b.WriteString("No audited change in the period.\n")
	} else {
		b.WriteString("| time | tool | tier | target | who | outcome | task | arguments |\n|---|---|---|---|---|---|---|---|\n")
		for _, c := range v.Changes {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", c.Time, md(c.Tool), md(c.Tier), md(c.Target), md(c.Who), md(c.Outcome), md(c.Task), cell(code(c.Args)))
		}
	}
	return b.String()
}

func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + strings.ReplaceAll(s, "`", "'") + "`"
}

// ReportHTML renders a compliance report as one self-contained HTML page:
// inline style, no script, no external asset; charts embedded as data:
// URIs.
func ReportHTML(r ComplianceResult) ([]byte, error) {
	v := viewOf(r)
	if r.Metrics != nil {
		for _, c := range reportCharts(*r.Metrics) {
			if c.png != nil {
				// base64 text holds no character HTML would need escaped
				c.Img = template.HTML(`<img alt="` + html.EscapeString(c.Title) + `" src="data:image/png;base64,` +
					base64.StdEncoding.EncodeToString(c.png) + `" width="800">`) // #nosec G203 -- escaped title, base64 data
			}
			v.Charts = append(v.Charts, c.chartView)
		}
	}
	var buf bytes.Buffer
	if err := reportPage.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("render the HTML report: %w", err)
	}
	return buf.Bytes(), nil
}

var reportPage = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1b1b;line-height:1.45}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #c8c8c8;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f0f0}
code{font-size:.85em;word-break:break-all}
.note{border-left:4px solid #e69f00;background:#fff8e6;padding:.4rem .8rem;margin:.5rem 0}
.pass{color:#006e4f;font-weight:bold}.fail{color:#b3471a;font-weight:bold}.unknown{color:#5a5a5a;font-weight:bold}
section.control{border-top:1px solid #ddd;padding-top:.3rem}
figure{margin:1rem 0}img{max-width:100%;height:auto}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{range .Lines}}<p>{{.}}</p>
{{end}}{{range .Notes}}<p class="note"><strong>Note:</strong> {{.}}</p>
{{end}}<h2>Controls</h2>
<table>
<tr><th>control</th><th>status</th><th>affected</th></tr>
{{range .Controls}}<tr><td><a href="#{{.ID}}">{{.ID}}</a> {{.Title}}</td><td class="{{.Status}}">{{.Status}}</td><td>{{.Count}}</td></tr>
{{end}}</table>
{{range .Controls}}<section class="control" id="{{.ID}}">
<h3>{{.ID}} {{.Title}}: <span class="{{.Status}}">{{.Status}}</span></h3>
<p>Reference: {{.Reference}}.</p>
<p>Evidence:</p>
<ul>
{{range .Evidence}}<li>{{.}}</li>
{{end}}</ul>
{{if .Affected}}<p>Affected: {{range $i, $a := .Affected}}{{if $i}}; {{end}}{{$a}}{{end}}{{if .More}} and {{.More}} more{{end}}.</p>
{{end}}{{if ne .Status "pass"}}{{if .Remediation}}<p>Remediation: {{.Remediation}}</p>
{{end}}{{end}}</section>
{{end}}{{if .MetricsLine}}<h2>Success metrics</h2>
<p>{{.MetricsLine}}</p>
<table>
<tr><th>metric</th><th>value</th><th>target</th><th>met</th><th>source</th></tr>
{{range .Metrics}}<tr><td>{{.Title}}</td><td>{{.Value}}</td><td>{{.Target}}</td><td>{{.Met}}</td><td>{{.Source}}</td></tr>
{{end}}</table>
{{if .RPOLine}}<p>{{.RPOLine}}</p>
<ul>
{{range .RPOMissed}}<li>{{.}}</li>
{{end}}</ul>
{{end}}{{range .Charts}}{{if .Img}}<figure>{{.Img}}<figcaption>{{.Title}}</figcaption></figure>
{{else}}<p>Chart {{.Name}} not drawn: {{.Reason}}.</p>
{{end}}{{end}}{{end}}{{if .Period}}<h2>Recovery drills</h2>
{{if .Drills}}<table>
<tr><th>run</th><th>kind</th><th>entity</th><th>status</th><th>started</th><th>ended</th><th>RTO</th><th>RPO</th><th>result</th><th>evidence</th></tr>
{{range .Drills}}<tr><td>{{.Run}}</td><td>{{.Kind}}</td><td>{{.Entity}}</td><td>{{.Status}}</td><td>{{.Started}}</td><td>{{.Ended}}</td><td>{{.RTO}}</td><td>{{.RPO}}</td><td>{{.Result}}</td><td>{{.Evidence}}</td></tr>
{{end}}</table>
{{else}}<p>No drill in the period.</p>
{{end}}<h2>Workflow runs</h2>
{{if .Runs}}<table>
<tr><th>kind</th><th>status</th><th>runs</th></tr>
{{range .Runs}}<tr><td>{{.Kind}}</td><td>{{.Status}}</td><td>{{.Count}}</td></tr>
{{end}}</table>
{{else}}<p>No workflow run in the period.</p>
{{end}}<h2>Change audit</h2>
{{if .Changes}}<table>
<tr><th>time</th><th>tool</th><th>tier</th><th>target</th><th>who</th><th>outcome</th><th>task</th><th>arguments</th></tr>
{{range .Changes}}<tr><td>{{.Time}}</td><td>{{.Tool}}</td><td>{{.Tier}}</td><td>{{.Target}}</td><td>{{.Who}}</td><td>{{.Outcome}}</td><td>{{.Task}}</td><td><code>{{.Args}}</code></td></tr>
{{end}}</table>
{{else}}<p>No audited change in the period.</p>
{{end}}{{end}}</body>
</html>
`))

// Report formats RenderReport writes.
const (
	ReportHTMLFormat     = "html"
	ReportMarkdownFormat = "markdown"
)

// ReportFormat picks the format from an explicit choice (html, md,
// markdown) or else from the file name's extension (.html, .htm, .md,
// .markdown).
func ReportFormat(explicit, file string) (string, error) {
	f := strings.ToLower(strings.TrimSpace(explicit))
	if f == "" {
		switch ext := strings.ToLower(file[strings.LastIndexByte(file, '.')+1:]); {
		case strings.LastIndexByte(file, '.') < 0:
		case ext == "html" || ext == "htm":
			f = "html"
		case ext == "md" || ext == "markdown":
			f = "md"
		}
	}
	switch f {
	case "html":
		return ReportHTMLFormat, nil
	case "md", "markdown":
		return ReportMarkdownFormat, nil
	case "":
		return "", fmt.Errorf("cannot tell the format of %q: name it .html or .md, or pass --format html|md", file)
	}
	return "", fmt.Errorf("format %q: want html or md", explicit)
}

// ReportFile is a file written beside a report (a chart of a Markdown
// report), named relative to the report's directory.
type ReportFile struct {
	Name string
	Data []byte
}

// RenderReport renders r in format (ReportFormat's answer). A Markdown
// report with a stem (the report file's name without extension) links its
// charts as files stem.<chart>.png, returned to be written beside it;
// without a stem (standard output) it says where the charts are.
func RenderReport(r ComplianceResult, format, stem string) ([]byte, []ReportFile, error) {
	if format == ReportHTMLFormat {
		b, err := ReportHTML(r)
		return b, nil, err
	}
	v := viewOf(r)
	var files []ReportFile
	if r.Metrics != nil {
		if stem == "" {
			v.ChartsNote = "Charts: written beside a report written to a file, embedded in the HTML report."
		} else {
			for _, c := range reportCharts(*r.Metrics) {
				if c.png != nil {
					c.File = stem + "." + c.Name + ".png"
					files = append(files, ReportFile{Name: c.File, Data: c.png})
				}
				v.Charts = append(v.Charts, c.chartView)
			}
		}
	}
	return []byte(markdown(v)), files, nil
}

type drawnChart struct {
	chartView
	png []byte
}

// reportCharts draws the metrics' charts, in MetricCharts' order, with the
// reason for each chart not drawn.
func reportCharts(m eng.MetricsReport) []drawnChart {
	images, notes := MetricCharts(m)
	out := make([]drawnChart, 0, len(notes))
	next := 0
	for _, n := range notes {
		c := drawnChart{chartView: chartView{Name: n.Name, Title: n.Title, Reason: n.Reason}}
		if n.Included && next < len(images) {
			c.png = images[next].Data
			next++
		}
		out = append(out, c)
	}
	return out
}
