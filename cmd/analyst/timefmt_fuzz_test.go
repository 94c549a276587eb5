package main

import (
	"errors"
	"testing"
	"time"
)

// FuzzParseTime: any --at or --since TIME either parses to a UTC time that
// prints as RFC 3339 and reads back the same, or is refused as bad usage
// (exit 2) with a hint, never a panic. The seeds run as an ordinary test.
func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"", "2026-12-04T02:00:00Z", "2026-12-04T04:00:00+02:00", "2026-12-04T02:00:00.123456789Z",
		"2026-12-04", "2026-12-04T02:00", "2026-12-04T02:00:00", "yesterday", "0000-01-01T00:00:00Z",
		"9999-12-31T23:59:59-23:59", "2026-02-30", "2026-12-04T25:00:00Z", " 2026-12-04 ", "\xff", "1e9",
	} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 4, 2, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseTime("at", s, now)
		if err != nil {
			var ue *userError
			if !errors.As(err, &ue) || ue.code != exitUsage || ue.hint == "" {
				t.Fatalf("parseTime(%q) error %v is not a usage error with a hint", s, err)
			}
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("parseTime(%q) = %v, not UTC", s, got)
		}
		out := formatTime(got)
		back, err := parseTime("at", out, now)
		if err != nil || !back.Equal(got.Truncate(time.Second)) {
			t.Fatalf("parseTime(%q) = %v prints as %q, which reads back as %v, %v", s, got, out, back, err)
		}
	})
}

// FuzzParseDuration: any --since DUR either gives a positive duration or is
// refused as bad usage; "no limit" (zero) only for an empty flag.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{
		"", "2h", "90m", "2h30m", "3d", "2w", "1.5d", "0d", "-1d", "0", "-2h", "forever", "d", "w",
		"Infd", "NaNw", "1e300d", "1e-300d", "9223372036854775807ns", "106752d", "0x10d", "1_0d", "+3d",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDuration("since", s)
		if err != nil {
			var ue *userError
			if !errors.As(err, &ue) || ue.code != exitUsage || ue.hint == "" {
				t.Fatalf("parseDuration(%q) error %v is not a usage error with a hint", s, err)
			}
			return
		}
		empty := true
		for _, r := range s {
			if r != ' ' && r != '\t' && r != '\n' && r != '\r' && r != '\v' && r != '\f' {
				empty = false
			}
		}
		if d <= 0 && !(d == 0 && empty) {
			t.Fatalf("parseDuration(%q) = %v, want a positive duration or an error", s, d)
		}
	})
}
