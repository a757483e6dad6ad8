package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"telltale/pipeline"
)

// Progress display. The bar is drawn here rather than with a progress-bar
// library because the rate and ETA must come from the injected clock: that
// is what makes the output testable to the byte.
const (
	barInterval = 200 * time.Millisecond // at most ~5 redraws a second
	logInterval = 10 * time.Second       // a plain line at most this often
	barWidth    = 12                     // cells of the bar itself; the whole line stays under 80 columns
)

// isTerminal reports whether w is an *os.File open on a terminal that can
// redraw a line: TERM=dumb (Emacs shells, some CI runners) has no ESC[K.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) && os.Getenv("TERM") != "dumb"
}

// newProgress returns the pipeline.Config.Progress callback for `run`.
//
// With quiet it does nothing. On a terminal it redraws a one-line bar on w
// at most every barInterval; elsewhere (a log file, CI) it writes a plain
// line at most every logInterval, so a short run writes nothing. Both start
// counting at the first call, which the pipeline makes before the first
// frame. When Done arrives the bar is cleared and, if anything was shown, one
// line says reading ended and the tables are being written (that can take a
// while and would otherwise look like a hang). Calls after Done are ignored.
//
// The callback is not safe for concurrent use; the pipeline calls it from
// its reading goroutine only.
func newProgress(w io.Writer, isTerminal bool, quiet bool, now func() time.Time) func(pipeline.Progress) {
	if quiet {
		return func(pipeline.Progress) {}
	}
	p := &progress{w: w, bar: isTerminal, now: now}
	return p.update
}

type progress struct {
	w     io.Writer
	bar   bool
	now   func() time.Time
	start time.Time // time of the first call
	last  time.Time // time of the last output (start before any)
	shown bool      // something was written
	done  bool
}

func (p *progress) update(pr pipeline.Progress) {
	if p.done {
		return
	}
	t := p.now()
	if p.start.IsZero() {
		p.start, p.last = t, t
	}
	if pr.Done {
		p.done = true
		if !p.shown {
			return
		}
		if p.bar {
			io.WriteString(p.w, "\r\x1b[K") // erase the bar
		}
		el := t.Sub(p.start)
		read, _ := position(pr)
		fmt.Fprintf(p.w, "telltale: read %s in %s%s; writing the tables\n",
			unitBytes(float64(read)), unitDuration(el), rateText(read, el, ", "))
		return
	}
	every := logInterval
	if p.bar {
		every = barInterval
	}
	if t.Sub(p.last) < every {
		return
	}
	p.last, p.shown = t, true
	if p.bar {
		// \r returns to the line start, ESC[K erases what a longer
		// previous line left behind.
		io.WriteString(p.w, "\r"+p.barLine(pr, t.Sub(p.start))+"\x1b[K")
		return
	}
	io.WriteString(p.w, p.logLine(pr, t.Sub(p.start))+"\n")
}

// position returns bytes read (clamped to the total: inside a .gz file the
// count is an estimate) and the percentage, -1 when the total is unknown.
func position(pr pipeline.Progress) (read int64, pct int) {
	read = pr.BytesRead
	if pr.BytesTotal <= 0 {
		return read, -1
	}
	read = min(read, pr.BytesTotal)
	return read, int(read * 100 / pr.BytesTotal)
}

// eta returns the time left at the average rate so far; ok is false when
// it cannot be told yet, or is over 100 hours (a rate that slow is a stall
// and the figure would only widen the line).
func eta(read, total int64, el time.Duration) (time.Duration, bool) {
	if total <= 0 || read <= 0 || el <= 0 {
		return 0, false
	}
	left := float64(total-read) / (float64(read) / el.Seconds())
	if left >= 100*3600 {
		return 0, false
	}
	return time.Duration(left * float64(time.Second)), true
}

// logLine renders e.g. "telltale: 412 MB of 2.1 GB (19%), 38 MB/s, ETA 44s,
// 1.2 M packets, 52 k flows, 310 k events".
func (p *progress) logLine(pr pipeline.Progress, el time.Duration) string {
	read, pct := position(pr)
	var b strings.Builder
	b.WriteString("telltale: ")
	b.WriteString(unitBytes(float64(read)))
	if pct >= 0 {
		fmt.Fprintf(&b, " of %s (%d%%)", unitBytes(float64(pr.BytesTotal)), pct)
	}
	b.WriteString(rateText(read, el, ", "))
	if d, ok := eta(read, pr.BytesTotal, el); ok {
		b.WriteString(", ETA " + unitDuration(d))
	}
	fmt.Fprintf(&b, ", %s packets, %s flows, %s events",
		unitCount(pr.Packets), unitCount(pr.Flows), unitCount(pr.Events))
	if pr.Files > 1 {
		fmt.Fprintf(&b, ", file %d of %d", pr.FileIndex+1, pr.Files)
	}
	return b.String()
}

// barLine renders e.g. " 19% [==>         ] 412 MB/2.1 GB 38 MB/s ETA 44s
// 52 k flows 310 k events".
func (p *progress) barLine(pr pipeline.Progress, el time.Duration) string {
	read, pct := position(pr)
	var b strings.Builder
	if pct >= 0 {
		fill := pct * barWidth / 100
		bar := strings.Repeat("=", fill)
		if fill < barWidth {
			bar += ">" + strings.Repeat(" ", barWidth-fill-1)
		}
		fmt.Fprintf(&b, "%3d%% [%s] %s/%s", pct, bar, unitBytes(float64(read)), unitBytes(float64(pr.BytesTotal)))
	} else {
		b.WriteString(unitBytes(float64(read)))
	}
	b.WriteString(rateText(read, el, " "))
	if d, ok := eta(read, pr.BytesTotal, el); ok {
		b.WriteString(" ETA " + unitDuration(d))
	}
	fmt.Fprintf(&b, " %s flows %s events", unitCount(pr.Flows), unitCount(pr.Events))
	return b.String()
}

// rateText returns sep followed by "38 MB/s", or "" without elapsed time.
func rateText(n int64, el time.Duration, sep string) string {
	if el <= 0 {
		return ""
	}
	return sep + unitBytes(float64(n)/el.Seconds()) + "/s"
}

// unitBytes renders a byte count in decimal units (1 MB = 1,000,000 bytes,
// as disk and network figures are): "512 B", "2.1 GB", "412 MB".
func unitBytes(v float64) string {
	if v < 1000 {
		return fmt.Sprintf("%d B", int64(math.Round(v)))
	}
	return scaled(v, []string{"KB", "MB", "GB", "TB", "PB"})
}

// unitCount renders a count: "940", "1.2 k", "52 k", "1.2 M".
func unitCount(n int64) string {
	if n < 1000 {
		return fmt.Sprint(n)
	}
	return scaled(float64(n), []string{"k", "M", "G", "T"})
}

// scaled renders v >= 1000 in the first unit (each 1000 times the one before,
// the first 1000) that keeps it under 1000 once rounded, with one decimal
// below 10.
func scaled(v float64, units []string) string {
	for i, u := range units {
		v /= 1000
		switch {
		case v < 9.95:
			return fmt.Sprintf("%.1f %s", v, u)
		case v < 999.5 || i == len(units)-1:
			return fmt.Sprintf("%.0f %s", v, u)
		}
	}
	panic("unreachable")
}

// unitDuration renders "4.2s" below ten seconds, then "44s", "3m05s",
// "2h07m".
func unitDuration(d time.Duration) string {
	d = max(d, 0)
	if d < 9950*time.Millisecond {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	m := (s + 30) / 60
	return fmt.Sprintf("%dh%02dm", m/60, m%60)
}
