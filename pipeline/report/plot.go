package report

import (
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// The plots are computed here as plain shapes with their coordinates
// already formatted, so that the template only places them and the bytes
// depend on nothing but the data.

// palette is used in order: series i gets palette[i%len(palette)]. Twenty
// colours keep the destinations of a typical capture apart.
var palette = []string{
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
	"#ff9da7", "#9c755f", "#bab0ac", "#1b9e77", "#7570b3", "#a0cbe8", "#ffbe7d",
	"#8cd17d", "#b6992d", "#499894", "#d37295", "#79706e", "#86bcb6",
}

type svgPlot struct {
	ID, Title, Caption string
	Width, Height      int
	Lines              []svgLine
	Rects              []svgRect
	Texts              []svgText
}

type svgLine struct{ X1, Y1, X2, Y2, Class string }

type svgRect struct {
	X, Y, W, H, Fill string
	Class            string
	Tip              string // shown as the shape's <title>
}

type svgText struct {
	X, Y, Anchor, Class, Transform, Text string
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// niceStep returns a tick step of 1, 2 or 5 times a power of ten giving at
// most five ticks up to max.
func niceStep(max int64) int64 {
	if max <= 5 {
		return 1
	}
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if s := m * p; (max+s-1)/s <= 5 {
				return s
			}
		}
	}
}

// axisTop is the value axis maximum: max rounded up to a whole step.
func axisTop(max, step int64) int64 {
	if max <= 0 {
		return step
	}
	return (max + step - 1) / step * step
}

// valueTicks adds the value axis ticks from 0 to top: a grid line each
// (the axis line at 0) and its label.
func (p *svgPlot) valueTicks(top, step int64, at func(v int64) (x1, y1, x2, y2 float64), label func(v int64, x, y float64)) {
	for v := int64(0); v <= top; v += step {
		x1, y1, x2, y2 := at(v)
		cls := "grid"
		if v == 0 {
			cls = "axis"
		}
		p.Lines = append(p.Lines, svgLine{num(x1), num(y1), num(x2), num(y2), cls})
		label(v, x1, y1)
	}
}

// timelinePlot draws the events per destination per time bucket as
// stacked bars.
func timelinePlot(r *Report) svgPlot {
	tl := &r.Timeline
	const (
		width              = 820
		left, right, top   = 64.0, 16.0, 16.0
		plotH              = 240.0
		legendTop, lineGap = 64.0, 18.0
	)
	plotW := width - left - right
	p := svgPlot{
		ID:    "plot-events-over-time",
		Title: "Events over time per destination",
		Width: width, Height: int(top + plotH + legendTop + lineGap*float64(len(tl.Hosts)) + 8),
	}
	var maxCount int64
	for _, b := range tl.Counts {
		var s int64
		for _, c := range b {
			s += c
		}
		maxCount = max(maxCount, s)
	}
	bottom := top + plotH
	step := niceStep(maxCount)
	yTop := axisTop(maxCount, step)
	yOf := func(v int64) float64 { return bottom - float64(v)/float64(yTop)*plotH }
	p.valueTicks(yTop, step, func(v int64) (float64, float64, float64, float64) {
		return left, yOf(v), left + plotW, yOf(v)
	}, func(v int64, x, y float64) {
		p.Texts = append(p.Texts, svgText{X: num(x - 6), Y: num(y + 4), Anchor: "end", Class: "tick", Text: strconv.FormatInt(v, 10)})
	})
	p.Lines = append(p.Lines, svgLine{num(left), num(top), num(left), num(bottom), "axis"})

	n := len(tl.Counts)
	if n > 0 {
		slot := plotW / float64(n)
		barW := slot * 0.8
		every := (n + 7) / 8
		for i, b := range tl.Counts {
			x := left + float64(i)*slot + (slot-barW)/2
			start := tl.Start + int64(i)*tl.Step
			var acc int64
			for h, c := range b {
				if c == 0 {
					continue
				}
				y0, y1 := yOf(acc), yOf(acc+c)
				acc += c
				p.Rects = append(p.Rects, svgRect{
					X: num(x), Y: num(y1), W: num(barW), H: num(y0 - y1), Fill: palette[h%len(palette)], Class: "bar",
					Tip: fmt.Sprintf("%s: %d events from %s", hostLabel(tl.Hosts[h]), c, fmtTime(start)),
				})
			}
			if i%every == 0 {
				cx := left + float64(i)*slot + slot/2
				p.Lines = append(p.Lines, svgLine{num(cx), num(bottom), num(cx), num(bottom + 4), "axis"})
				p.Texts = append(p.Texts, svgText{X: num(cx), Y: num(bottom + 16), Anchor: "middle", Class: "tick", Text: bucketLabel(start, tl.Step)})
			}
		}
	}
	xTitle := "capture time (UTC)"
	if n > 0 {
		xTitle = fmt.Sprintf("capture time (UTC) from %s, one bar per %s", fmtTime(tl.Start), time.Duration(tl.Step))
	}
	p.Texts = append(p.Texts,
		svgText{X: num(left + plotW/2), Y: num(bottom + 36), Anchor: "middle", Class: "axis-label", Text: xTitle},
		svgText{X: "14", Y: num(top + plotH/2), Anchor: "middle", Class: "axis-label",
			Transform: fmt.Sprintf("rotate(-90 14 %s)", num(top+plotH/2)), Text: "events"},
	)
	for i, h := range tl.Hosts {
		y := bottom + legendTop + float64(i)*lineGap
		p.Rects = append(p.Rects, svgRect{X: num(left), Y: num(y - 10), W: "12", H: "12", Fill: palette[i%len(palette)], Class: "swatch", Tip: hostLabel(h)})
		p.Texts = append(p.Texts, svgText{X: num(left + 18), Y: num(y), Class: "legend", Text: hostLabel(h)})
	}
	p.Caption = fmt.Sprintf("Figure 1. Events per destination per time bucket (%d events, %d destinations); bars are stacked in the order of the legend.", r.Events, len(tl.Hosts))
	return p
}

// bucketLabel is a tick label for a bucket start: the time of day, with
// milliseconds when the buckets are shorter than a second, or the date for
// buckets of a day or more.
func bucketLabel(ns, step int64) string {
	t := time.Unix(0, ns).UTC()
	switch {
	case step < int64(time.Second):
		return t.Format("15:04:05.000")
	case step < int64(24*time.Hour):
		return t.Format("15:04:05")
	}
	return t.Format("2006-01-02")
}

// kindsPlot draws the distinct identifiers each destination received, one
// horizontal bar per destination split by identifier kind.
func kindsPlot(r *Report) svgPlot {
	const (
		width            = 820
		right, top       = 48.0, 16.0
		rowH, barH       = 24.0, 16.0
		legendTop, lineH = 56.0, 18.0
	)
	longest := 0
	for _, d := range r.Destinations {
		longest = max(longest, utf8.RuneCountInString(hostLabel(d.Host)))
	}
	left := 40 + min(float64(longest)*6, 240)
	plotW := width - left - right
	plotH := rowH * float64(max(len(r.Destinations), 1))
	bottom := top + plotH
	p := svgPlot{
		ID:    "plot-identifier-kinds",
		Title: "Identifier kinds per destination",
		Width: width, Height: int(bottom + legendTop + lineH*float64(len(r.IDKinds)) + 8),
	}
	var maxTotal int64
	for _, d := range r.Destinations {
		var s int64
		for _, k := range r.IDKinds {
			s += d.IDs[k]
		}
		maxTotal = max(maxTotal, s)
	}
	step := niceStep(maxTotal)
	xTop := axisTop(maxTotal, step)
	xOf := func(v int64) float64 { return left + float64(v)/float64(xTop)*plotW }
	p.valueTicks(xTop, step, func(v int64) (float64, float64, float64, float64) {
		return xOf(v), top, xOf(v), bottom
	}, func(v int64, x, _ float64) {
		p.Texts = append(p.Texts, svgText{X: num(x), Y: num(bottom + 16), Anchor: "middle", Class: "tick", Text: strconv.FormatInt(v, 10)})
	})
	p.Lines = append(p.Lines, svgLine{num(left), num(bottom), num(left + plotW), num(bottom), "axis"})
	for i, d := range r.Destinations {
		y := top + float64(i)*rowH + (rowH-barH)/2
		p.Texts = append(p.Texts, svgText{X: num(left - 8), Y: num(y + barH - 4), Anchor: "end", Class: "tick", Text: hostLabel(d.Host)})
		var acc int64
		for k, kind := range r.IDKinds {
			c := d.IDs[kind]
			if c == 0 {
				continue
			}
			p.Rects = append(p.Rects, svgRect{
				X: num(xOf(acc)), Y: num(y), W: num(xOf(acc+c) - xOf(acc)), H: num(barH), Fill: palette[k%len(palette)], Class: "bar",
				Tip: fmt.Sprintf("%s: %d %s", hostLabel(d.Host), c, visible(kind)),
			})
			acc += c
		}
		p.Texts = append(p.Texts, svgText{X: num(xOf(acc) + 4), Y: num(y + barH - 4), Class: "tick", Text: strconv.FormatInt(acc, 10)})
	}
	p.Texts = append(p.Texts,
		svgText{X: num(left + plotW/2), Y: num(bottom + 36), Anchor: "middle", Class: "axis-label", Text: "distinct identifiers received"},
		svgText{X: "14", Y: num(top + plotH/2), Anchor: "middle", Class: "axis-label",
			Transform: fmt.Sprintf("rotate(-90 14 %s)", num(top+plotH/2)), Text: "destination"},
	)
	for i, k := range r.IDKinds {
		y := bottom + legendTop + float64(i)*lineH
		p.Rects = append(p.Rects, svgRect{X: num(left), Y: num(y - 10), W: "12", H: "12", Fill: palette[i%len(palette)], Class: "swatch", Tip: visible(k)})
		p.Texts = append(p.Texts, svgText{X: num(left + 18), Y: num(y), Class: "legend", Text: visible(k)})
	}
	p.Caption = fmt.Sprintf("Figure 2. Distinct identifiers each destination received, by kind (%d kinds, from the identifiers table).", len(r.IDKinds))
	return p
}

// hostLabel names a destination; a request without a host is labelled so.
func hostLabel(h string) string {
	if h == "" {
		return "(no host)"
	}
	return visible(h)
}
