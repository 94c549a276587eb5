package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// parseTime reads an RFC 3339 time ("2026-12-04T02:00:00Z", "…+02:00"). A
// date alone means its midnight UTC. Empty gives now.
func parseTime(flag, s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return now, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			// An offset can carry 9999-12-31 into year 10000, which no
			// RFC 3339 output (ask --json "at") can print.
			if y := t.UTC().Year(); y < 0 || y > 9999 {
				break
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, usageErr(
		fmt.Sprintf("give --%s as RFC 3339, e.g. --%s 2026-12-04T02:00:00Z or --%s 2026-12-04T04:00:00+02:00", flag, flag, flag),
		"invalid --%s %q: not an RFC 3339 time", flag, s)
}

// parseDuration reads a duration: Go's syntax ("90m", "2h30m") plus days
// and weeks ("3d", "2w").
func parseDuration(flag, s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	bad := usageErr(fmt.Sprintf("give --%s as a duration such as 2h, 90m, 3d or 2w", flag), "invalid --%s %q", flag, s)
	if n := len(s); n > 1 && (s[n-1] == 'd' || s[n-1] == 'w') {
		v, err := strconv.ParseFloat(s[:n-1], 64)
		unit := 24 * time.Hour
		if s[n-1] == 'w' {
			unit *= 7
		}
		// Not NaN, not infinite, and short enough for a Duration (about
		// 292 years); a conversion out of range gives nonsense, not an error.
		if err != nil || !(v > 0) || v*float64(unit) >= math.MaxInt64 || time.Duration(v*float64(unit)) <= 0 {
			return 0, bad
		}
		return time.Duration(v * float64(unit)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, bad
	}
	return d, nil
}

// formatTime prints a time as RFC 3339 UTC.
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// localSpan prints the span from start to end in loc, as a person reads
// it: "Fri 4 Dec 17:00 and 23:00 CET", "Sat 5 Dec 00:00 and Mon 7 Dec
// 00:00 CET".
func localSpan(start, end time.Time, loc *time.Location) string {
	start, end = start.In(loc), end.In(loc)
	const day, clock = "Mon 2 Jan 15:04", "15:04"
	zone := end.Format("MST")
	if z := start.Format("MST"); z != zone {
		return start.Format(day+" MST") + " and " + end.Format(day+" MST")
	}
	if y1, m1, d1 := start.Date(); end.Sub(start) < 24*time.Hour {
		if y2, m2, d2 := end.Date(); y1 == y2 && m1 == m2 && d1 == d2 {
			return start.Format(day) + " and " + end.Format(clock) + " " + zone
		}
	}
	return start.Format(day) + " and " + end.Format(day) + " " + zone
}

// humanAge says how long before something a change happened: "45 min",
// "9 h 50 min", "3 days", "2 months".
func humanAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 24*time.Hour:
		h := int(d.Hours())
		m := int(d.Minutes()) - 60*h
		if m == 0 {
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d h %d min", h, m)
	case d < 60*24*time.Hour:
		days := int(d.Hours() / 24)
		if days == 1 {
			return "1 day"
		}
		return fmt.Sprintf("%d days", days)
	case d < 2*365*24*time.Hour:
		return fmt.Sprintf("%d months", int(d.Hours()/24/30))
	}
	return fmt.Sprintf("%d years", int(d.Hours()/24/365))
}
