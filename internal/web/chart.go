package web

import (
	"fmt"
	"html/template"
	"strings"
	"unicode/utf8"
)

// The desk draws its charts on the server as inline SVG: no script, no third-party code, and
// the strict CSP holds (SVG attributes are not style attributes). Every text that goes into a
// chart is escaped here, since the result is trusted markup.

// bar is one bar of a bar chart: a label (a person's name: data, escaped), its value, and the
// text of its tooltip (<title>), which says the number in the reader's language.
type bar struct {
	Label string
	Value int
	Title string
}

// Layout of a horizontal bar chart, in SVG user units (the chart scales to its box).
const (
	chartWidth   = 560
	chartLabelW  = 170 // room for the names on the left
	chartValueW  = 44  // room for the number after the longest bar
	chartRowH    = 30
	chartBarH    = 20
	chartPadTop  = 8
	chartMaxName = 22 // longer names are cut with an ellipsis (the whole name is in the title)
)

// barChart draws one horizontal bar per item, longest value the full width, with the value
// written after each bar and a <title> per bar. title names the whole chart for assistive
// technology; class is added to the <svg> element for the page's stylesheet.
func barChart(title, class string, bars []bar) template.HTML {
	esc := template.HTMLEscapeString
	height := chartPadTop*2 + chartRowH*max(len(bars), 1)
	var b strings.Builder
	svgOpen(&b, title, class, chartWidth, height)
	top := 0
	for _, x := range bars {
		top = max(top, x.Value)
	}
	span := float64(chartWidth - chartLabelW - chartValueW)
	for i, x := range bars {
		y := chartPadTop + i*chartRowH
		w := 0.0
		if top > 0 && x.Value > 0 {
			w = max(span*float64(x.Value)/float64(top), 2) // a bar of one is still seen
		}
		mid := y + chartRowH/2
		fmt.Fprintf(&b, `<g class="bar"><title>%s</title>`, esc(x.Title))
		fmt.Fprintf(&b, `<text class="label" x="%d" y="%d" text-anchor="end" dominant-baseline="middle">%s</text>`,
			chartLabelW-8, mid, esc(shorten(x.Label, chartMaxName)))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" rx="3" data-value="%d"></rect>`,
			chartLabelW, y+(chartRowH-chartBarH)/2, w, chartBarH, x.Value)
		fmt.Fprintf(&b, `<text class="value" x="%.1f" y="%d" dominant-baseline="middle">%d</text>`,
			float64(chartLabelW)+w+6, mid, x.Value)
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every text above went through esc
}

// svgOpen starts a chart: an image scaled to its box from a w×h viewBox, named by title.
func svgOpen(b *strings.Builder, title, class string, w, h int) {
	esc := template.HTMLEscapeString
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart %s" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="%s">`,
		esc(class), w, h, esc(title))
	fmt.Fprintf(b, `<title>%s</title>`, esc(title))
}

// shorten cuts s to at most n characters, ending with an ellipsis when cut.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// series is one line of a line chart: its name (for the legend and tooltips, escaped), a
// class for its colour, and one value per point.
type series struct {
	Name   string
	Class  string
	Values []int
}

// Layout of a line chart, in SVG user units.
const (
	lineW      = 560
	lineH      = 220
	lineLeft   = 44 // room for the scale
	lineRight  = 12
	lineTop    = 12
	lineBottom = 48 // room for the labels under the axis and the legend
)

// lineChart draws one line per series over the labelled points (days, weeks), the scale from
// 0 to the largest value, every point a circle with a <title> ("label: name value"), and a
// legend. The viewBox lets it shrink to a phone's width.
func lineChart(title, class string, labels []string, lines []series) template.HTML {
	esc := template.HTMLEscapeString
	var b strings.Builder
	svgOpen(&b, title, "line "+class, lineW, lineH)
	top := 1
	for _, s := range lines {
		for _, v := range s.Values {
			top = max(top, v)
		}
	}
	plotW, plotH := float64(lineW-lineLeft-lineRight), float64(lineH-lineTop-lineBottom)
	x := func(i int) float64 {
		if len(labels) < 2 {
			return float64(lineLeft) + plotW/2
		}
		return float64(lineLeft) + plotW*float64(i)/float64(len(labels)-1)
	}
	y := func(v int) float64 { return float64(lineTop) + plotH*(1-float64(v)/float64(top)) }
	for _, v := range []int{0, top / 2, top} {
		if v == top/2 && (top < 2 || v == 0) {
			continue
		}
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"></line><text class="scale" x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle">%d</text>`,
			lineLeft, lineW-lineRight, y(v), y(v), lineLeft-6, y(v), v)
	}
	// Label at most about eight points under the axis, so they never overlap.
	step := max(1, (len(labels)+7)/8)
	for i, l := range labels {
		if i%step == 0 || i == len(labels)-1 {
			anchor := "middle" // the first and last label stay inside the chart
			if len(labels) > 1 && i == 0 {
				anchor = "start"
			} else if len(labels) > 1 && i == len(labels)-1 {
				anchor = "end"
			}
			fmt.Fprintf(&b, `<text class="label" x="%.1f" y="%d" text-anchor="%s">%s</text>`, x(i), lineH-lineBottom+18, anchor, esc(shorten(l, 12)))
		}
	}
	for si, s := range lines {
		var pts []string
		for i, v := range s.Values {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(v)))
		}
		fmt.Fprintf(&b, `<g class="series %s"><polyline fill="none" points="%s"></polyline>`, esc(s.Class), strings.Join(pts, " "))
		for i, v := range s.Values {
			label := ""
			if i < len(labels) {
				label = labels[i]
			}
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" data-value="%d"><title>%s: %s %d</title></circle>`, x(i), y(v), v, esc(label), esc(s.Name), v)
		}
		lx := lineLeft + si*150
		fmt.Fprintf(&b, `<g class="legend"><rect x="%d" y="%d" width="14" height="4"></rect><text x="%d" y="%d" dominant-baseline="middle">%s</text></g></g>`,
			lx, lineH-14, lx+20, lineH-12, esc(shorten(s.Name, 18)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every text above went through esc
}
