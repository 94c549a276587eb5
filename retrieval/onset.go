package retrieval

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Onset is when an incident's report says the problem began: "since Friday
// evening", "started this week", "photos from before Tuesday are fine",
// "since yesterday afternoon", "for the last 3 days". The cause was made
// before the problem began, most often shortly before: a change made after
// End cannot have started it.
type Onset struct {
	// Start and End bound the moment the problem began, as closely as the
	// words say it: a day part, a day, a weekend, a week.
	Start, End time.Time
	// Phrase is the report's words that gave it.
	Phrase string
}

const (
	wdays  = `monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun`
	dparts = `morning|afternoon|evening|night|lunchtime|noon`
	nums   = `\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|a couple of|couple of|few`
	units  = `minutes?|mins?|hours?|hrs?|days?|weeks?`
)

// An onset pattern's kind says how its groups read (see onsetOf).
const (
	kindWeekday = iota // (last|this|on)? weekday (day part)?
	kindRelDay         // yesterday, today, last night ... (day part)?
	kindWeekend        // the weekend
	kindWeek           // this week, last week
	kindAgo            // N units ago
	kindFor            // for the last N units
)

type onsetPattern struct {
	kind int
	re   *regexp.Regexp
}

// onsetLead are the words that put a time at the start of a problem.
const onsetLead = `(?:since|from|starting|started(?:\s+on)?|began(?:\s+on)?|beginning|ever\s+since|as\s+of)\s+`

// fineAfter follows "before <when>" when it sets the start of a problem:
// "photos from before Friday are fine".
const fineAfter = `[^.\n]{0,40}?\b(?:fine|ok|okay|normal|worked|work|good)\b`

var onsetPatterns = []onsetPattern{
	{kindWeekday, regexp.MustCompile(`(?i)\b` + onsetLead + `(?:(last|this|on)\s+)?(` + wdays + `)s?\b(?:\s+(` + dparts + `))?`)},
	{kindWeekday, regexp.MustCompile(`(?i)\bbefore\s+(?:(last|this)\s+)?(` + wdays + `)\b(?:\s+(` + dparts + `))?` + fineAfter)},
	{kindWeekday, regexp.MustCompile(`(?i)\b(?:worked|working|was\s+fine|were\s+fine|fine|ok)\s+(?:until|till|up\s+to)\s+(?:(last|this)\s+)?(` + wdays + `)\b(?:\s+(` + dparts + `))?`)},
	{kindRelDay, regexp.MustCompile(`(?i)\b` + onsetLead + `(yesterday|today|tonight|last\s+night|this\s+morning|this\s+afternoon|this\s+evening)\b(?:\s+(` + dparts + `))?`)},
	{kindRelDay, regexp.MustCompile(`(?i)\bbefore\s+(yesterday|this\s+morning|last\s+night)\b(?:\s+(` + dparts + `))?` + fineAfter)},
	{kindRelDay, regexp.MustCompile(`(?i)\b(?:worked|working|was\s+fine|were\s+fine|fine|ok)\s+(?:until|till|up\s+to)\s+(yesterday|this\s+morning|last\s+night)\b(?:\s+(` + dparts + `))?`)},
	{kindWeekend, regexp.MustCompile(`(?i)\b` + onsetLead + `(?:the\s+|last\s+|this\s+)?weekend\b`)},
	{kindWeek, regexp.MustCompile(`(?i)\b(?:since|from|starting|started|began|begun)\s+(?:on\s+)?(this\s+week|last\s+week)\b`)},
	{kindAgo, regexp.MustCompile(`(?i)\b(` + nums + `)\s+(` + units + `)\s+ago\b`)},
	{kindFor, regexp.MustCompile(`(?i)\bfor\s+(?:the\s+(?:last|past)\s+)?(` + nums + `)\s+(` + units + `)\s+(?:now|already)\b`)},
	{kindFor, regexp.MustCompile(`(?i)\b(?:in|over|for)\s+the\s+(?:last|past)\s+(` + nums + `)\s+(` + units + `)\b`)},
}

// ParseOnset finds when the report says the problem began, relative to the
// time it was reported (at), reading weekdays and day parts in loc. It
// returns nil when the report says nothing about it, or names a moment not
// before at.
func ParseOnset(text string, at time.Time, loc *time.Location) *Onset {
	if loc == nil {
		loc = time.Local
	}
	now := at.In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	var best *Onset
	for _, p := range onsetPatterns {
		for _, m := range p.re.FindAllStringSubmatch(text, -1) {
			o := onsetOf(p.kind, m, now, today)
			if o == nil || !o.Start.Before(at) {
				continue
			}
			if o.End.After(at) {
				o.End = at
			}
			o.Phrase = strings.Join(strings.Fields(m[0]), " ")
			// The narrowest window wins; the first when equal.
			if best == nil || o.End.Sub(o.Start) < best.End.Sub(best.Start) {
				best = o
			}
		}
	}
	return best
}

func onsetOf(kind int, m []string, now, today time.Time) *Onset {
	day := 24 * time.Hour
	lower := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	switch kind {
	case kindWeekday:
		wd, ok := weekday(lower(m[2]))
		if !ok {
			return nil
		}
		// The last such day before today: "since Friday" said on a
		// Friday means the one before.
		back := (int(today.Weekday()) - int(wd) + 7) % 7
		if back == 0 {
			back = 7
		}
		d := today.AddDate(0, 0, -back)
		return dayPart(d, lower(m[3]))
	case kindRelDay:
		switch w := lower(m[1]); w {
		case "yesterday":
			return dayPart(today.AddDate(0, 0, -1), lower(m[2]))
		case "today":
			return dayPart(today, lower(m[2]))
		case "tonight", "this evening":
			return dayPart(today, "evening")
		case "last night":
			return dayPart(today.AddDate(0, 0, -1), "night")
		default: // this morning, this afternoon
			return dayPart(today, strings.TrimPrefix(w, "this "))
		}
	case kindWeekend: // the latest Saturday and Sunday, today's included
		sat := today.AddDate(0, 0, -((int(today.Weekday()) + 1) % 7))
		return &Onset{Start: sat, End: sat.Add(2 * day)}
	case kindWeek:
		monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
		if lower(m[1]) == "last week" {
			return &Onset{Start: monday.AddDate(0, 0, -7), End: monday}
		}
		return &Onset{Start: monday, End: now}
	default: // kindAgo, kindFor
		n, ok := count(lower(m[1]))
		u := unit(lower(m[2]))
		if !ok || u == 0 {
			return nil
		}
		d := time.Duration(n) * u
		// "3 days ago" is a day; "2 hours ago" an hour or so.
		slack := min(u, day)
		start := now.Add(-d)
		if u >= day {
			start = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, start.Location())
		}
		if kind == kindFor { // it began then, or a little later
			return &Onset{Start: start.Add(-slack / 2), End: start.Add(slack)}
		}
		return &Onset{Start: start, End: start.Add(slack)}
	}
}

// dayPart narrows day d (midnight) to a part of it; none is the whole day.
func dayPart(d time.Time, part string) *Onset {
	h := func(n int) time.Time { return d.Add(time.Duration(n) * time.Hour) }
	switch part {
	case "morning":
		return &Onset{Start: h(5), End: h(12)}
	case "noon", "lunchtime":
		return &Onset{Start: h(11), End: h(14)}
	case "afternoon":
		return &Onset{Start: h(12), End: h(18)}
	case "evening":
		return &Onset{Start: h(17), End: h(23)}
	case "night":
		return &Onset{Start: h(20), End: h(30)}
	}
	return &Onset{Start: d, End: h(24)}
}

func weekday(s string) (time.Weekday, bool) {
	for i, name := range []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"} {
		if strings.HasPrefix(s, name) {
			return time.Weekday(i), true
		}
	}
	return 0, false
}

func count(s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return n, n > 0 && n < 1000
	}
	switch s {
	case "a", "an", "one":
		return 1, true
	case "two", "a couple of", "couple of":
		return 2, true
	case "three", "a few", "few":
		return 3, true
	}
	for i, w := range []string{"four", "five", "six", "seven", "eight", "nine", "ten"} {
		if s == w {
			return i + 4, true
		}
	}
	return 0, false
}

func unit(s string) time.Duration {
	switch {
	case strings.HasPrefix(s, "min"):
		return time.Minute
	case strings.HasPrefix(s, "h"):
		return time.Hour
	case strings.HasPrefix(s, "d"):
		return 24 * time.Hour
	case strings.HasPrefix(s, "w"):
		return 7 * 24 * time.Hour
	}
	return 0
}
