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
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart %s" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="%s">`,
		esc(class), chartWidth, height, esc(title))
	fmt.Fprintf(&b, `<title>%s</title>`, esc(title))
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

// shorten cuts s to at most n characters, ending with an ellipsis when cut.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
