package retrieval

import (
	"testing"
	"time"
)

func TestParseOnset(t *testing.T) {
	// A Wednesday afternoon.
	at := time.Date(2026, 12, 9, 15, 30, 0, 0, time.UTC)
	day := func(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, time.UTC) }
	cases := []struct {
		text       string
		start, end time.Time // zero: no onset
	}{
		{"checkouts fail since Friday evening", day(4, 17), day(4, 23)},
		{"broken since tuesday", day(8, 0), day(9, 0)},
		{"Broken since Wednesday.", day(2, 0), day(3, 0)}, // said on a Wednesday: the one before
		{"Photos from before Friday are fine, new ones are broken", day(4, 0), day(5, 0)},
		{"it worked until Monday morning", day(7, 5), day(7, 12)},
		{"charged twice since yesterday afternoon", day(8, 12), day(8, 18)},
		{"errors since this morning", day(9, 5), day(9, 12)},
		{"slow since last night", day(8, 20), day(9, 6)},
		{"orders cancelled since the weekend", day(5, 0), day(7, 0)},
		{"Started this week, we lose sales", day(7, 0), at},
		{"started last week", time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), day(7, 0)},
		{"the first alert came 3 days ago", day(6, 0), day(7, 0)},
		{"failing for the last 2 hours", at.Add(-150 * time.Minute), at.Add(-time.Hour)},
		{"twice this week the shop went down", time.Time{}, time.Time{}},
		{"must be fixed before Friday", time.Time{}, time.Time{}},
		{"promo codes from last month's campaign still work", time.Time{}, time.Time{}},
		{"since commit 1a2b3c the build fails", time.Time{}, time.Time{}},
	}
	for _, c := range cases {
		o := ParseOnset(c.text, at, time.UTC)
		switch {
		case c.start.IsZero() && o != nil:
			t.Errorf("%q: onset %v..%v (%q), want none", c.text, o.Start, o.End, o.Phrase)
		case c.start.IsZero():
		case o == nil:
			t.Errorf("%q: no onset, want %v..%v", c.text, c.start, c.end)
		case !o.Start.Equal(c.start) || !o.End.Equal(c.end):
			t.Errorf("%q: onset %v..%v (%q), want %v..%v", c.text, o.Start, o.End, o.Phrase, c.start, c.end)
		}
	}
}

func TestParseOnsetLocalDays(t *testing.T) {
	// 01:30 on Saturday in Berlin is still Friday in UTC: "since Friday
	// evening" is the Friday before, read in the reporter's zone.
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	at := time.Date(2026, 12, 5, 0, 30, 0, 0, time.UTC) // Saturday 01:30 in Berlin
	o := ParseOnset("errors since Friday evening", at, berlin)
	if o == nil {
		t.Fatal("no onset")
	}
	if want := time.Date(2026, 12, 4, 17, 0, 0, 0, berlin); !o.Start.Equal(want) {
		t.Errorf("start %v, want %v", o.Start, want)
	}
}
