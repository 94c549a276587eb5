package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAskOnset: a report that says when the problem began ("since Friday
// evening") puts the change made shortly before then first, and ranks a
// change made after it lower, saying why, even when that later change
// shares more of the report's words.
//
// The report is read in the local time zone (TZ, here New York): Friday
// evening is 17:00 to 23:00 there, 22:00 to 04:00 UTC.
func TestAskOnset(t *testing.T) {
	work := setIsolatedEnv(t)
	t.Setenv("TZ", "America/New_York")
	home := filepath.Join(work, "home")
	repo, write := newRepo(t, work, "shop")
	// Midday UTC keeps each commit on its weekday in any zone from UTC-10
	// to UTC+11, wherever the test runs.
	write("README.md", "# shop\n")
	commitAll(t, repo, "2026-11-23T12:00:00Z", "Start the shop service")
	write("media/resize.py", "def resize(image):\n    return image.thumbnail((800, 800))\n")
	commitAll(t, repo, "2026-12-01T12:00:00Z", "Product images: resize uploads on the server") // Tuesday
	write("media/store.py", "BUCKET = 'shop-media-new'\n\ndef store(image):\n    return put(BUCKET, image)\n")
	friday := commitAll(t, repo, "2026-12-04T11:00:00Z", "Product images: store uploads in the new bucket") // Friday
	write("media/errors.py", "def broken_upload_page():\n    return render('upload_failed.html')\n")
	saturday := commitAll(t, repo, "2026-12-05T12:00:00Z", "Product image uploads: a page for broken uploads") // Saturday

	if _, errOut, code := analystRun(t, "", "--home", home, "index", "--repo", repo); code != exitOK {
		t.Fatalf("index: exit %d\n%s", code, errOut)
	}
	const report = "product image uploads are broken since Friday evening"
	ask := func(extra ...string) string {
		t.Helper()
		args := append([]string{"--home", home, "ask", "--no-llm", "--no-auto-index", "--at", "2026-12-07T12:00:00Z"}, extra...)
		out, errOut, code := analystRun(t, "", append(args, report)...)
		if code != exitOK {
			t.Fatalf("ask: exit %d\n%s", code, errOut)
		}
		return out
	}
	a := askJSONOf(t, ask("--json"))
	want := onsetJSON{Phrase: "since Friday evening", From: "2026-12-04T22:00:00Z", Until: "2026-12-05T04:00:00Z"}
	if a.Onset == nil || *a.Onset != want {
		t.Errorf("onset %+v, want %+v", a.Onset, want)
	}
	if len(a.Suspects) < 3 || a.Suspects[0].Ref != friday {
		t.Fatalf("first suspect %+v, want the Friday change %s", a.Suspects[0], friday)
	}
	for _, s := range a.Suspects {
		after := strings.Contains(strings.Join(s.Reasons, "\n"), `went live after the report says the problem began ("since Friday evening")`)
		if after != (s.Ref == saturday) {
			t.Errorf("%s (%s): reasons %q", s.Title, s.Ref, s.Reasons)
		}
	}
	if text := ask(); !strings.Contains(text, `Onset from the report ("since Friday evening"): between Fri 4 Dec 17:00 and 23:00 EST.`) {
		t.Errorf("text answer does not give the onset:\n%s", text)
	}

	// Without the onset, the Saturday change's words win: the test sees
	// what the onset does.
	t.Setenv("ANALYST_ABLATE", "onset")
	if a := askJSONOf(t, ask("--json")); a.Suspects[0].Ref != saturday {
		t.Errorf("without the onset the first suspect is %q, want the Saturday change", a.Suspects[0].Title)
	}
}

// TestAskNoOnset: a report that says nothing of when the problem began has
// no onset in its JSON answer, and the text says none.
func TestAskNoOnset(t *testing.T) {
	work := setIsolatedEnv(t)
	home := filepath.Join(work, "home")
	mustRun(t, "--home", home, "note", "--at", "2026-12-01T10:00:00Z", "raised the upload size limit to 20 MB")
	out := mustRun(t, "--home", home, "ask", "--json", "--no-llm", "--at", "2026-12-02T10:00:00Z", "uploads fail")
	if strings.Contains(out, `"onset"`) {
		t.Errorf("an answer without an onset has one:\n%s", out)
	}
	if text := mustRun(t, "--home", home, "ask", "--no-llm", "--at", "2026-12-02T10:00:00Z", "uploads fail"); strings.Contains(text, "Onset") {
		t.Errorf("text answer gives an onset:\n%s", text)
	}
}

func TestLocalSpan(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct{ start, end, want string }{
		{"2026-12-04T16:00:00Z", "2026-12-04T22:00:00Z", "Fri 4 Dec 17:00 and 23:00 CET"},
		{"2026-12-04T19:00:00Z", "2026-12-05T05:00:00Z", "Fri 4 Dec 20:00 and Sat 5 Dec 06:00 CET"},
		{"2026-12-04T23:00:00Z", "2026-12-06T23:00:00Z", "Sat 5 Dec 00:00 and Mon 7 Dec 00:00 CET"},
		// Summer time ends within the span: each end says its zone.
		{"2026-10-23T22:00:00Z", "2026-10-26T23:00:00Z", "Sat 24 Oct 00:00 CEST and Tue 27 Oct 00:00 CET"},
	} {
		if got := localSpan(at(c.start), at(c.end), berlin); got != c.want {
			t.Errorf("localSpan(%s, %s) = %q, want %q", c.start, c.end, got, c.want)
		}
	}
}
