package desk

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Span is a stretch of a day in minutes from midnight, [From, To).
type Span struct {
	From, To int
}

func (s Span) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", s.From/60, s.From%60, s.To/60, s.To%60)
}

// Hours are an agent's weekly working hours in their own time zone, indexed by time.Weekday.
type Hours [7][]Span

var dayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// DefaultHours is the working week an agent gets when none is given: Monday to Friday 09:00-17:00.
func DefaultHours() Hours {
	var h Hours
	for d := time.Monday; d <= time.Friday; d++ {
		h[d] = []Span{{9 * 60, 17 * 60}}
	}
	return h
}

// ParseHours reads the contract's format: {"mon": ["09:00-12:30", "13:30-17:00"], …, "sun": []}.
// Days left out are days off; "00:00-24:00" is the whole day.
func ParseHours(field string, in map[string][]string) (Hours, error) {
	var h Hours
	for day, spans := range in {
		d := -1
		for i, n := range dayNames {
			if strings.EqualFold(day, n) {
				d = i
			}
		}
		if d < 0 {
			return Hours{}, Invalid(field, "unknown day %q (use mon, tue, wed, thu, fri, sat, sun)", day)
		}
		for i, s := range spans {
			span, err := parseSpan(s)
			if err != nil {
				return Hours{}, Invalid(fmt.Sprintf("%s.%s[%d]", field, dayNames[d], i), "%v", err)
			}
			h[d] = append(h[d], span)
		}
		sort.Slice(h[d], func(i, j int) bool { return h[d][i].From < h[d][j].From })
		for i := 1; i < len(h[d]); i++ {
			if h[d][i].From < h[d][i-1].To {
				return Hours{}, Invalid(field+"."+dayNames[d], "%s overlaps %s", h[d][i], h[d][i-1])
			}
		}
	}
	return h, nil
}

func parseSpan(s string) (Span, error) {
	from, to, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return Span{}, fmt.Errorf("%q is not a span like 09:00-17:00", s)
	}
	f, err := parseClock(from)
	if err != nil {
		return Span{}, err
	}
	t, err := parseClock(to)
	if err != nil {
		return Span{}, err
	}
	if t <= f {
		return Span{}, fmt.Errorf("%q ends before it starts", s)
	}
	return Span{f, t}, nil
}

func parseClock(s string) (int, error) {
	hh, mm, ok := strings.Cut(strings.TrimSpace(s), ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || len(mm) != 2 || h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%q is not a time of day like 09:30", s)
	}
	return h*60 + m, nil
}

// MarshalJSON writes the contract's format with every day present.
func (h Hours) MarshalJSON() ([]byte, error) {
	out := make(map[string][]string, 7)
	for d, spans := range h {
		list := make([]string, 0, len(spans))
		for _, s := range spans {
			list = append(list, s.String())
		}
		out[dayNames[d]] = list
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads the contract's format.
func (h *Hours) UnmarshalJSON(b []byte) error {
	var in map[string][]string
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	parsed, err := ParseHours("hours", in)
	if err != nil {
		return err
	}
	*h = parsed
	return nil
}
