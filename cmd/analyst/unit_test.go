package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"", now, true},
		{"2026-12-04T02:00:00Z", time.Date(2026, 12, 4, 2, 0, 0, 0, time.UTC), true},
		{"2026-12-04T04:00:00+02:00", time.Date(2026, 12, 4, 2, 0, 0, 0, time.UTC), true},
		{"2026-12-04", time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC), true},
		{"yesterday", time.Time{}, false},
		{"2026-13-01T00:00:00Z", time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := parseTime("at", tt.in, now)
		if (err == nil) != tt.ok || (tt.ok && !got.Equal(tt.want)) {
			t.Errorf("parseTime(%q) = %v, %v", tt.in, got, err)
		}
		if tt.ok && got.Location() != time.UTC {
			t.Errorf("parseTime(%q) is not UTC", tt.in)
		}
	}
}

func TestParseDuration(t *testing.T) {
	tests := map[string]time.Duration{"2h": 2 * time.Hour, "90m": 90 * time.Minute, "3d": 72 * time.Hour, "2w": 14 * 24 * time.Hour, "": 0}
	for in, want := range tests {
		if got, err := parseDuration("since", in); err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"forever", "-2h", "0", "d", "3x"} {
		if _, err := parseDuration("since", bad); err == nil {
			t.Errorf("parseDuration(%q) accepted", bad)
		}
	}
}

func TestHumanAge(t *testing.T) {
	tests := map[time.Duration]string{
		30 * time.Second:             "30 s",
		45 * time.Minute:             "45 min",
		9*time.Hour + 50*time.Minute: "9 h 50 min",
		10 * time.Hour:               "10 h",
		36 * time.Hour:               "1 day",
		10 * 24 * time.Hour:          "10 days",
		200 * 24 * time.Hour:         "6 months",
		3 * 365 * 24 * time.Hour:     "3 years",
	}
	for d, want := range tests {
		if got := humanAge(d); got != want {
			t.Errorf("humanAge(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"http://127.0.0.1:11434": true, "http://localhost:11434": true, "http://[::1]:11434": true,
		"http://10.0.0.5:11434": false, "https://ollama.example.com": false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v", host, got)
		}
	}
}

func TestReorderArgs(t *testing.T) {
	app := newApp(&environment{})
	tests := []struct{ in, want []string }{
		{[]string{"analyst", "ask", "API returns None", "--json", "--at", "2026-12-04T02:00:00Z"},
			[]string{"analyst", "ask", "--json", "--at", "2026-12-04T02:00:00Z", "--", "API returns None"}},
		{[]string{"analyst", "--home", "/h", "ask", "-", "--no-llm"},
			[]string{"analyst", "--home", "/h", "ask", "--no-llm", "--", "-"}},
		{[]string{"analyst", "note", "--", "--not-a-flag"},
			[]string{"analyst", "note", "--", "--not-a-flag"}},
		{[]string{"analyst", "hook", "install", "--repo", "r"},
			[]string{"analyst", "hook", "install", "--repo", "r"}},
	}
	for _, tt := range tests {
		if got := reorderArgs(app, tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("reorderArgs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTerminalSafe(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	in := "title\x1b]0;pwned\x07 \x1b[2Jcleared\rover\ttab\n© é ☃ \u009b31m\x7f\n"
	n, err := terminalSafe{f}.Write([]byte(in))
	if err != nil || n != len(in) {
		t.Fatalf("Write = %d, %v", n, err)
	}
	f.Close()
	got, _ := os.ReadFile(f.Name())
	want := "title␛]0;pwned␇ ␛[2Jcleared␍over\ttab\n© é ☃ \uFFFD31m␡\n"
	if string(got) != want {
		t.Errorf("terminal output\n got %q\nwant %q", got, want)
	}
	if !isTerminal(terminalSafe{f}) {
		t.Errorf("a terminalSafe writer no longer counts as a terminal")
	}
}
