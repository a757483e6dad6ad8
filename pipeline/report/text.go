package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"
)

// timeLayout renders capture times, always in UTC with milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z"

func fmtTime(ns int64) string { return time.Unix(0, ns).UTC().Format(timeLayout) }

// token renders a data value that is usually one word (a host, an event
// name, a kind) for the terminal: as is when it is printable and has no
// space or quote, quoted Go-style otherwise, "-" when empty. Quoting keeps
// columns parseable and control characters from reaching the terminal.
func token(s string) string {
	if s == "" {
		return "-"
	}
	if !utf8.ValidString(s) {
		return strconv.Quote(s)
	}
	for _, r := range s {
		if r == '"' || r == '\\' || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// quoted renders free text (values, URLs, paths) always quoted, "-" when
// empty.
func quoted(s string) string {
	if s == "" {
		return "-"
	}
	return strconv.Quote(s)
}

// WriteText writes the report as plain text for a terminal: the sections
// of the HTML page in the same order, one line per row.
func (r *Report) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	tw := tabwriter.NewWriter(bw, 0, 8, 2, ' ', 0)
	p := func(format string, a ...any) { fmt.Fprintf(tw, format, a...) }
	flush := func() { tw.Flush() }

	p("telltale report (%s %s)\n\n", token(r.Tool), token(r.Version))

	p("SUMMARY\n")
	p("  captures\t%d\n", len(r.Captures))
	for _, c := range r.Captures {
		p("    %s\t%s, %d packets, %d bytes, sha256 %s\n", token(c.Name), token(c.Format), c.Packets, c.Size, shortHash(c.SHA256))
	}
	p("  flows\t%d\n", r.Flows)
	p("  transactions\t%d\n", r.Transactions)
	p("  payloads\t%d\n", r.Payloads)
	p("  events\t%d\n", r.Events)
	p("  time span\t%s\n", r.spanText())
	flush()

	p("\nDESTINATIONS (%d)\n", len(r.Destinations))
	p("  HOST\tPAYLOADS\tEVENTS\tTRANSACTIONS\tREQUEST_BODY_BYTES\tSDKS\n")
	for _, d := range r.Destinations {
		p("  %s\t%d\t%d\t%d\t%d\t%s\n", token(d.Host), d.Payloads, d.Events, d.Transactions, d.RequestBodyBytes, tokens(d.SDKs))
	}
	flush()

	p("\nIDENTIFIER KINDS PER DESTINATION (distinct values)\n")
	p("  HOST")
	for _, k := range r.IDKinds {
		p("\t%s", token(k))
	}
	p("\turls\tsearches\n")
	for _, d := range r.Destinations {
		p("  %s", token(d.Host))
		for _, k := range r.IDKinds {
			p("\t%d", d.IDs[k])
		}
		p("\t%d\t%d\n", d.URLs, d.Searches)
	}
	flush()

	switch {
	case !r.HasIdentifiers:
		p("\nCLUSTERS: the dataset has no identifiers table\n")
	default:
		p("\nCLUSTERS (%d)\n", len(r.Clusters))
		for _, c := range r.Clusters {
			p("  %s  %d identifiers", token(c.ID), len(c.Members))
			if c.Events >= 0 {
				p(", %d events", c.Events)
			}
			p("\n")
			for _, m := range c.Members {
				p("    %s: %s\n", token(m.Kind), quoted(m.Value))
			}
			p("    hosts: %s\n", tokens(c.Hosts))
			if len(c.Hubs) > 0 {
				p("    shared values seen with it: %s\n", ids(c.Hubs))
			}
		}
		p("\nHUBS (%d; shared by devices, they link no cluster)\n", len(r.Hubs))
		for _, h := range r.Hubs {
			p("  %s: %s  events %d  hosts %s  seen with %s\n", token(h.Kind), quoted(h.Value), h.Events, tokens(h.Hosts), tokens(h.Clusters))
		}
	}
	flush()

	for _, s := range []struct {
		title string
		ex    *Examples
	}{{"VISITED URLS", &r.URLs}, {"SEARCHES", &r.Searches}} {
		p("\n%s (%s)\n", s.title, countText(s.ex))
		if len(s.ex.Rows) > 0 {
			p("  TIME\tHOST\tEVENT\tCLUSTER\tMODE\tFIELD\tVALUE\n")
		}
		for _, x := range s.ex.Rows {
			mode := "-"
			if x.Incognito {
				mode = "incognito"
			}
			p("  %s\t%s\t%s\t%s\t%s\t%s\t%s\n", fmtTime(x.TS), token(x.Host), token(x.Event), token(x.Cluster), mode, quoted(x.Path), quoted(x.Value))
		}
		flush()
	}
	p("\nINCOGNITO EVENTS (%s)\n", countText(&r.Incognito))
	if len(r.Incognito.Rows) > 0 {
		p("  TIME\tHOST\tEVENT\tCLUSTER\tSEARCH\tURL\n")
	}
	for _, x := range r.Incognito.Rows {
		p("  %s\t%s\t%s\t%s\t%s\t%s\n", fmtTime(x.TS), token(x.Host), token(x.Event), token(x.Cluster), quoted(x.Search), quoted(x.URL))
	}
	flush()
	return bw.Flush()
}

func countText(ex *Examples) string {
	if ex.Total > int64(len(ex.Rows)) {
		return fmt.Sprintf("%d; the first %d shown", ex.Total, len(ex.Rows))
	}
	return strconv.FormatInt(ex.Total, 10)
}

func tokens(ss []string) string {
	if len(ss) == 0 {
		return "-"
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = token(s)
	}
	return strings.Join(out, ",")
}

func ids(xs []ID) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = token(x.Kind) + ": " + quoted(x.Value)
	}
	return strings.Join(out, ", ")
}

func shortHash(h string) string {
	if len(h) > 16 {
		return h[:16]
	}
	return token(h)
}

// spanText is the time span as "first .. last (duration)".
func (r *Report) spanText() string {
	if r.First == 0 && r.Last == 0 {
		return "-"
	}
	return fmt.Sprintf("%s .. %s (%s)", fmtTime(r.First), fmtTime(r.Last), time.Duration(r.Last-r.First).Round(time.Millisecond))
}
