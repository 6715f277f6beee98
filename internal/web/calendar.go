package web

import (
	"fmt"
	"strings"
	"time"

	"github.com/keptdesk/kept/internal/desk"
)

// The availability calendar: one week, Monday first, on the agent's wall clock, drawn as SVG
// by the page template from the geometry worked out here (no script needed), with the same
// week as a plain list for screen readers and narrow screens.

// Calendar layout in SVG user units.
const (
	calAxisW = 52
	calColW  = 96
	calHeadH = 40
	calHourH = 40
	calPad   = 3
)

type calWeek struct {
	Monday           time.Time
	Title            string
	Prev, Next, This string // the week parameter of the neighbouring weeks and of today's
	IsThis           bool
	Width, Height    int
	AxisW, HeadH     int
	Hours            []calHour
	Days             []calDay
	ShowNow          bool
	NowX1, NowX2     int
	NowY             int
	Label            string // the chart's accessible name
}

type calHour struct {
	Y     int
	Label string
}

type calDay struct {
	X, W   int
	Label  string
	Date   string
	Today  bool
	Blocks []calBlock
	Lines  []string // the day in words: working hours, then each absence
}

type calBlock struct {
	X, Y, W, H int
	Class      string
	Label      string
	Title      string
	TextX      int
	TextY      int
	ShowLabel  bool
}

// dayPiece is part of a day, in minutes after local midnight [From, To).
type dayPiece struct {
	From, To int
	Kind     desk.AbsenceKind // "" for working hours
}

func clockText(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// buildWeek lays out the week starting at monday (00:00 on the agent's wall clock).
func buildWeek(r *request, me desk.Agent, monday time.Time, absences []desk.Absence, now time.Time) calWeek {
	loc := me.Location()
	wk := calWeek{Monday: monday, AxisW: calAxisW, HeadH: calHeadH}
	wk.Prev = monday.AddDate(0, 0, -7).Format("2006-01-02")
	wk.Next = monday.AddDate(0, 0, 7).Format("2006-01-02")
	wk.This = weekStart(now.In(loc)).Format("2006-01-02")
	wk.IsThis = wk.This == monday.Format("2006-01-02")
	sunday := monday.AddDate(0, 0, 6)
	wk.Title = r.T("avail.week_of", r.Date(monday), r.Date(sunday))
	wk.Label = r.T("avail.calendar_label", r.Date(monday), r.Date(sunday))

	// The pieces of each day, and the hours the drawing must show.
	pieces := make([][]dayPiece, 7)
	lo, hi := 8*60, 18*60
	for i := range 7 {
		day := time.Date(monday.Year(), monday.Month(), monday.Day()+i, 0, 0, 0, 0, loc)
		next := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc)
		for _, sp := range me.Hours[day.Weekday()] {
			p := dayPiece{From: max(sp.From, 0), To: min(sp.To, 24*60)}
			pieces[i] = append(pieces[i], p)
			lo, hi = min(lo, p.From), max(hi, p.To)
		}
		for _, a := range absences {
			if !a.Overlaps(day, next) {
				continue
			}
			p := dayPiece{From: 0, To: 24 * 60, Kind: a.Kind}
			if a.From.After(day) {
				p.From = minutesInto(a.From.In(loc))
			}
			if a.To.Before(next) {
				p.To = minutesInto(a.To.In(loc))
			}
			if p.To <= p.From {
				continue
			}
			pieces[i] = append(pieces[i], p)
			if p.From > 0 && p.To < 24*60 { // a part of the day: make room for it
				lo, hi = min(lo, p.From), max(hi, p.To)
			}
		}
	}
	lo, hi = lo/60*60, min((hi+59)/60*60, 24*60)
	scale := func(min int) int { return calHeadH + (min-lo)*calHourH/60 }
	wk.Width = calAxisW + 7*calColW
	wk.Height = scale(hi) + 4
	for h := lo; h <= hi; h += 60 {
		wk.Hours = append(wk.Hours, calHour{Y: scale(h), Label: clockText(h)})
	}
	today := now.In(loc)
	for i := range 7 {
		day := time.Date(monday.Year(), monday.Month(), monday.Day()+i, 0, 0, 0, 0, loc)
		d := calDay{X: calAxisW + i*calColW, W: calColW, Date: day.Format("2006-01-02"),
			Label: r.T(fmt.Sprintf("weekday.%d", day.Weekday())) + " " + r.Date(day),
			Today: day.Year() == today.Year() && day.YearDay() == today.YearDay()}
		var work []string
		for _, p := range pieces[i] {
			from, to := max(p.From, lo), min(p.To, hi)
			span := clockText(p.From) + "–" + clockText(p.To)
			b := calBlock{Class: "work", X: d.X + calPad, W: calColW - 2*calPad}
			text := span
			if p.Kind != "" {
				kind := r.T("avail.kind." + string(p.Kind))
				b.Class, b.X, b.W = "away "+string(p.Kind), d.X+calPad+8, calColW-2*calPad-8
				text = kind + " " + span
				d.Lines = append(d.Lines, text)
			} else {
				work = append(work, span)
			}
			if to <= from {
				continue // outside the hours drawn (only the list says it)
			}
			b.Y, b.H = scale(from), max(scale(to)-scale(from), 2)
			b.Label, b.Title = span, text
			if p.Kind != "" {
				b.Label = r.T("avail.kind." + string(p.Kind))
			}
			b.TextX, b.TextY, b.ShowLabel = b.X+4, b.Y+14, b.H >= 18
			d.Blocks = append(d.Blocks, b)
		}
		if len(work) > 0 {
			d.Lines = append([]string{r.T("avail.working", strings.Join(work, ", "))}, d.Lines...)
		} else {
			d.Lines = append([]string{r.T("avail.day_off")}, d.Lines...)
		}
		if d.Today {
			if m := minutesInto(today); m >= lo && m <= hi {
				wk.ShowNow, wk.NowX1, wk.NowX2, wk.NowY = true, d.X, d.X+d.W, scale(m)
			}
		}
		wk.Days = append(wk.Days, d)
	}
	return wk
}

// minutesInto is how far into its wall-clock day t is.
func minutesInto(t time.Time) int { return t.Hour()*60 + t.Minute() }
