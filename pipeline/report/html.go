package report

import (
	"bufio"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// WriteHTML writes the report as one self-contained HTML page: inline CSS
// and inline SVG plots, no script, no external resource. Every value from
// the dataset is escaped by html/template.
func (r *Report) WriteHTML(w io.Writer) error {
	data := struct {
		*Report
		Span  string
		Plots []svgPlot
	}{r, r.spanText(), []svgPlot{timelinePlot(r), kindsPlot(r)}}
	bw := bufio.NewWriter(w)
	if err := page.Execute(bw, data); err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	return bw.Flush()
}

// visible replaces characters that do not print (controls, format
// characters) and bytes that are not UTF-8 with Go escapes such as \x1b,
// so that what a capture hid in a value shows on the page.
func visible(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, hidden) {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, "\\x%02x", s[0]) // a byte that is not UTF-8
		case hidden(r):
			q := strconv.QuoteRune(r) // e.g. '\x1b', '\u200b'
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[:n])
		}
		s = s[n:]
	}
	return b.String()
}

func hidden(r rune) bool { return r != ' ' && !unicode.IsPrint(r) }

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"time": fmtTime,
	"host": hostLabel,
	"show": visible,
	"join": func(ss []string) string {
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = visible(s)
		}
		return strings.Join(out, ", ")
	},
	"hosts": func(ss []string) string {
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = hostLabel(s)
		}
		return strings.Join(out, ", ")
	},
	"dash": func(s string) string {
		if s == "" {
			return "–"
		}
		return visible(s)
	},
	"count":       countText,
	"maxExamples": func() int { return MaxExamples },
}).Parse(pageTemplate))

// pageTemplate is the page. Sections carry ids (summary, destinations,
// identifier-kinds, clusters, hubs, urls, searches, incognito, plots) so
// that readers and tests can find them.
const pageTemplate = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="{{show .Tool}} {{show .Version}}">
<title>telltale report</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1d2330; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #d0d5dd; padding-bottom: 0.2rem; margin-top: 2.2rem; }
h3 { font-size: 1.05rem; margin-top: 1.4rem; }
table { border-collapse: collapse; margin: 0.6rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #d0d5dd; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f2f4f7; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.zero { color: #98a2b3; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.85rem; }
td.host, td.nw { white-space: nowrap; }
td.wrap, code { overflow-wrap: break-word; word-break: break-word; }
td.wrap { min-width: 14rem; }
.wide { overflow-x: auto; }
.note { color: #475467; font-size: 0.9rem; }
.incognito { background: #fef3f2; }
.tag { display: inline-block; padding: 0 0.4rem; border-radius: 0.3rem; background: #b42318; color: #fff; font-size: 0.8rem; }
.cluster { border: 1px solid #d0d5dd; border-radius: 0.4rem; padding: 0.4rem 0.8rem; margin: 0.8rem 0; }
.cluster ul { margin: 0.3rem 0; padding-left: 1.2rem; }
figure { margin: 1.2rem 0; }
figcaption { color: #475467; font-size: 0.9rem; }
svg { max-width: 100%; height: auto; font-family: system-ui, sans-serif; }
svg .grid { stroke: #e4e7ec; stroke-width: 1; }
svg .axis { stroke: #344054; stroke-width: 1; }
svg .tick { font-size: 11px; fill: #344054; }
svg .legend { font-size: 12px; fill: #1d2330; }
svg .axis-label { font-size: 12px; fill: #1d2330; font-weight: 600; }
</style>
</head>
<body>
<h1>telltale report</h1>
<p class="note">Made by {{show .Tool}} {{show .Version}} from the dataset's Parquet tables. Times are capture times in UTC.</p>

<section id="summary">
<h2>Summary</h2>
<table>
<tr><th>captures</th><td class="num">{{len .Captures}}</td></tr>
<tr><th>flows</th><td class="num">{{.Flows}}</td></tr>
<tr><th>HTTP transactions</th><td class="num">{{.Transactions}}</td></tr>
<tr><th>telemetry payloads</th><td class="num">{{.Payloads}}</td></tr>
<tr><th>events</th><td class="num">{{.Events}}</td></tr>
<tr><th>time span</th><td>{{.Span}}</td></tr>
</table>
{{if .Captures}}<table>
<tr><th>capture</th><th>format</th><th class="num">packets</th><th class="num">bytes</th><th>first packet</th><th>last packet</th><th>SHA-256</th><th class="num">errors</th></tr>
{{range .Captures}}<tr><td class="mono">{{show .Name}}</td><td>{{show .Format}}</td><td class="num">{{.Packets}}</td><td class="num">{{.Size}}</td><td>{{dash .FirstTS}}</td><td>{{dash .LastTS}}</td><td class="mono">{{.SHA256}}</td><td class="num">{{.Errors}}</td></tr>
{{end}}</table>{{end}}
</section>

<section id="destinations">
<h2>Destinations</h2>
<p class="note">HTTP hosts that received telemetry payloads. Request body bytes are the sum of <code>http.request_body_len</code> over every transaction to the host.</p>
<table>
<tr><th>host</th><th class="num">payloads</th><th class="num">events</th><th class="num">transactions</th><th class="num">request body bytes</th><th>SDKs</th></tr>
{{range .Destinations}}<tr><td class="mono host">{{host .Host}}</td><td class="num">{{.Payloads}}</td><td class="num">{{.Events}}</td><td class="num">{{.Transactions}}</td><td class="num">{{.RequestBodyBytes}}</td><td>{{dash (join .SDKs)}}</td></tr>
{{end}}</table>
</section>

<section id="identifier-kinds">
<h2>Identifier kinds per destination</h2>
<p class="note">Distinct values each destination received: identifiers as the identifiers table spells them; visited URLs and search terms from the fields table.</p>
<div class="wide"><table>
<tr><th>host</th>{{range .IDKinds}}<th class="num">{{show .}}</th>{{end}}<th class="num">urls</th><th class="num">searches</th></tr>
{{range $d := .Destinations}}<tr><td class="mono host">{{host $d.Host}}</td>{{range $.IDKinds}}{{with index $d.IDs .}}<td class="num">{{.}}</td>{{else}}<td class="num zero">0</td>{{end}}{{end}}<td class="num">{{$d.URLs}}</td><td class="num">{{$d.Searches}}</td></tr>
{{end}}</table></div>
</section>

<section id="clusters">
<h2>Clusters</h2>
{{if not .HasIdentifiers}}<p class="note">The dataset has no identifiers table.</p>{{else}}
<p class="note">Identifiers sent together in one event belong to one device or person. Clusters of one identifier are listed only for a hardware id. Shared values (hubs) are left out of clusters and listed below.</p>
{{range .Clusters}}<div class="cluster" id="cluster-{{.ID}}">
<h3 class="mono">{{.ID}}</h3>
<p>{{len .Members}} identifiers{{if ge .Events 0}}, {{.Events}} events{{end}}</p>
<ul>{{range .Members}}<li><code>{{show .Kind}}: {{show .Value}}</code></li>{{end}}</ul>
<p>Received by: <span class="mono">{{hosts .Hosts}}</span></p>
{{if .Hubs}}<p>Shared values seen with it: {{range $i, $h := .Hubs}}{{if $i}}, {{end}}<code>{{show $h.Kind}}: {{show $h.Value}}</code>{{end}}</p>{{end}}
</div>
{{else}}<p class="note">No cluster.</p>
{{end}}
<section id="hubs">
<h3>Hubs (values shared by devices)</h3>
{{if .Hubs}}<table>
<tr><th>kind</th><th>value</th><th class="num">events</th><th>hosts</th><th>seen with clusters</th></tr>
{{range .Hubs}}<tr><td>{{show .Kind}}</td><td class="mono wrap">{{show .Value}}</td><td class="num">{{.Events}}</td><td class="mono">{{hosts .Hosts}}</td><td class="mono">{{dash (join .Clusters)}}</td></tr>
{{end}}</table>{{else}}<p class="note">No hub.</p>{{end}}
</section>
{{end}}
</section>

<section id="sensitive">
<h2>Sensitive events</h2>
<p class="note">Up to {{maxExamples}} of each kind, in time order; rows of events that said they were in incognito mode are marked.</p>
<section id="urls">
<h3>Visited URLs ({{count .URLs}})</h3>
{{template "examples" .URLs.Rows}}
</section>
<section id="searches">
<h3>Searches ({{count .Searches}})</h3>
{{template "examples" .Searches.Rows}}
</section>
<section id="incognito">
<h3>Incognito events ({{count .Incognito}})</h3>
{{if .Incognito.Rows}}<div class="wide"><table>
<tr><th>time</th><th>host</th><th>event</th><th>cluster</th><th>search</th><th>URL</th></tr>
{{range .Incognito.Rows}}<tr class="incognito"><td class="nw">{{time .TS}}</td><td class="mono host">{{host .Host}}</td><td class="mono nw">{{dash .Event}}</td><td class="mono nw">{{dash .Cluster}}</td><td class="wrap">{{dash .Search}}</td><td class="mono wrap">{{dash .URL}}</td></tr>
{{end}}</table></div>{{else}}<p class="note">None.</p>{{end}}
</section>
</section>

<section id="plots">
<h2>Plots</h2>
{{range .Plots}}<figure id="{{.ID}}">
<svg xmlns="http://www.w3.org/2000/svg" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}" role="img" aria-labelledby="{{.ID}}-title">
<title id="{{.ID}}-title">{{.Title}}</title>
{{range .Lines}}<line x1="{{.X1}}" y1="{{.Y1}}" x2="{{.X2}}" y2="{{.Y2}}" class="{{.Class}}"/>
{{end}}{{range .Rects}}<rect x="{{.X}}" y="{{.Y}}" width="{{.W}}" height="{{.H}}" fill="{{.Fill}}" class="{{.Class}}"><title>{{.Tip}}</title></rect>
{{end}}{{range .Texts}}<text x="{{.X}}" y="{{.Y}}"{{if .Anchor}} text-anchor="{{.Anchor}}"{{end}}{{if .Transform}} transform="{{.Transform}}"{{end}} class="{{.Class}}">{{.Text}}</text>
{{end}}</svg>
<figcaption>{{.Caption}}</figcaption>
</figure>
{{end}}
</section>
</body>
</html>
{{define "examples"}}{{if .}}<div class="wide"><table>
<tr><th>time</th><th>host</th><th>event</th><th>cluster</th><th>mode</th><th>field</th><th>value</th></tr>
{{range .}}<tr{{if .Incognito}} class="incognito"{{end}}><td class="nw">{{time .TS}}</td><td class="mono host">{{host .Host}}</td><td class="mono nw">{{dash .Event}}</td><td class="mono nw">{{dash .Cluster}}</td><td class="nw">{{if .Incognito}}<span class="tag">incognito</span>{{else}}–{{end}}</td><td class="mono nw">{{show .Path}}</td><td class="mono wrap">{{show .Value}}</td></tr>
{{end}}</table></div>{{else}}<p class="note">None.</p>{{end}}{{end}}`
