package main

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/analyst-dev/analyst/journal"
)

// marksRepo builds a small service history: two changes that lowered an
// HTTP client's timeout (checkout's, then the payment gateway's), an
// unrelated translation, and ordinary work around them. It returns the
// repository and the ids of the checkout change (A), the payment change (B)
// and the translation (C).
func marksRepo(t *testing.T, work string) (repo, a, b, c string) {
	t.Helper()
	repo, write := newRepo(t, work, "shop")
	write("README.md", "# shop\n")
	commitAll(t, repo, "2026-11-01T09:00:00Z", "Start the shop service")
	write("orders/list.go", "package orders\n\nfunc List(user string) []Order { return store.OrdersOf(user) }\n")
	commitAll(t, repo, "2026-11-02T09:00:00Z", "Add the order listing endpoint")
	write("i18n/fr.json", "{\"footer.about\": \"À propos\", \"footer.contact\": \"Nous contacter\"}\n")
	commitAll(t, repo, "2026-11-03T09:00:00Z", "Add French translations for the footer")
	c = gitIn(t, repo, nil, "rev-parse", "HEAD")
	write("log/request.go", "package log\n\nfunc RequestID(r *http.Request) string { return r.Header.Get(\"X-Request-Id\") }\n")
	commitAll(t, repo, "2026-11-04T09:00:00Z", "Log request ids")
	write("checkout/client.go", "package checkout\n\n// checkout HTTP client: requests to the cart service\nvar client = &http.Client{Timeout: 2 * time.Second}\n")
	commitAll(t, repo, "2026-11-05T09:00:00Z", "Lower the checkout HTTP client timeout to 2s")
	a = gitIn(t, repo, nil, "rev-parse", "HEAD")
	write("users/model.go", "package users\n\ntype User struct { Name, Email string }\n")
	commitAll(t, repo, "2026-11-06T09:00:00Z", "Rename user model fields")
	write("search/index.go", "package search\n\n// retry when the search cluster request times out\nfunc Reindex() error { return retry(3, reindexOnce) }\n")
	commitAll(t, repo, "2026-11-07T09:00:00Z", "Retry search reindexing when a request times out")
	write("payment/client.go", "package payment\n\n// payment gateway HTTP client: requests to the card processor\nvar client = &http.Client{Timeout: 1 * time.Second}\n")
	commitAll(t, repo, "2026-11-08T09:00:00Z", "Lower the payment gateway HTTP client timeout to 1s")
	b = gitIn(t, repo, nil, "rev-parse", "HEAD")
	write("README.md", "# shop\n\nRun with `go run ./cmd/shop`.\n")
	commitAll(t, repo, "2026-11-09T09:00:00Z", "Document how to run the service")
	return repo, a, b, c
}

const (
	marksAskAt     = "2026-11-20T00:00:00Z"
	marksIncident  = "checkout requests time out"        // I, the incident marked
	marksIncident2 = "requests time out during the sale" // I′, a similar one later
)

// askMarks asks I′ as of marksAskAt and returns the answer and stdout.
func askMarks(t *testing.T, home string) (askJSON, string) {
	t.Helper()
	out := mustRun(t, "--home", home, "ask", "--no-llm", "--json", "--top", "20", "--at", marksAskAt, marksIncident2)
	return askJSONOf(t, out), out
}

func suspectOf(a askJSON, id string) (suspectJSON, bool) {
	for _, s := range a.Suspects {
		if s.ID == id {
			return s, true
		}
	}
	return suspectJSON{}, false
}

func TestMarks(t *testing.T) {
	work := setIsolatedEnv(t)
	repo, a, b, c := marksRepo(t, work)
	newHome := func(name string) string {
		home := filepath.Join(work, name)
		mustRun(t, "--home", home, "index", "--repo", repo)
		return home
	}

	base := newHome("base")
	before, beforeOut := askMarks(t, base)
	for _, s := range before.Suspects {
		t.Logf("before: %d %.3f %s %v", s.Rank, s.Score, s.Title, s.Reasons)
	}
	bBefore, ok := suspectOf(before, b)
	cBefore, ok2 := suspectOf(before, c)
	if !ok || !ok2 {
		t.Fatalf("B or C is not among the suspects:\n%s", beforeOut)
	}
	if bBefore.Rank == 1 {
		t.Fatalf("B already ranks first without marks: the test proves nothing\n%s", beforeOut)
	}

	t.Run("cause lifts a similar change, not an unrelated one", func(t *testing.T) {
		home := newHome("cause")
		out := mustRun(t, "--home", home, "mark", a[:10], "cause", "--incident", marksIncident, "--at", "2026-11-15T00:00:00Z")
		if !strings.Contains(out, "marked "+a[:12]+" the cause of") {
			t.Errorf("mark printed %q", out)
		}
		after, afterOut := askMarks(t, home)
		for _, s := range after.Suspects {
			t.Logf("after: %d %.3f %s %v", s.Rank, s.Score, s.Title, s.Reasons)
		}
		bAfter, _ := suspectOf(after, b)
		if bAfter.Rank >= bBefore.Rank || bAfter.Score <= bBefore.Score {
			t.Errorf("B: rank %d score %.3f before the mark, rank %d score %.3f after; want it higher\n%s",
				bBefore.Rank, bBefore.Score, bAfter.Rank, bAfter.Score, afterOut)
		}
		want := "like " + a[:12] + ", marked the cause of '" + marksIncident + "'"
		if !strings.Contains(strings.Join(bAfter.Reasons, "\n"), want) {
			t.Errorf("B's reasons %q lack %q", bAfter.Reasons, want)
		}
		if cAfter, _ := suspectOf(after, c); cAfter.Rank != cBefore.Rank || cAfter.Score != cBefore.Score {
			t.Errorf("C moved: rank %d score %v before, rank %d score %v after", cBefore.Rank, cBefore.Score, cAfter.Rank, cAfter.Score)
		}
		show := mustRun(t, "--home", home, "show", a)
		if !strings.Contains(show, "Marked:   the cause of \""+marksIncident+"\" at 2026-11-15T00:00:00Z") {
			t.Errorf("show does not list the mark:\n%s", show)
		}
	})

	t.Run("not lowers a similar change", func(t *testing.T) {
		home := newHome("not")
		mustRun(t, "--home", home, "mark", a, "not", "--incident", marksIncident, "--at", "2026-11-15T00:00:00Z")
		after, afterOut := askMarks(t, home)
		bAfter, _ := suspectOf(after, b)
		if bAfter.Score >= bBefore.Score || bAfter.Rank < bBefore.Rank {
			t.Errorf("B: rank %d score %.3f before the mark, rank %d score %.3f after; want it lower\n%s",
				bBefore.Rank, bBefore.Score, bAfter.Rank, bAfter.Score, afterOut)
		}
		if !strings.Contains(strings.Join(bAfter.Reasons, "\n"), "marked not the cause of") {
			t.Errorf("B's reasons %q do not name the mark", bAfter.Reasons)
		}
	})

	t.Run("a mark after --at changes nothing", func(t *testing.T) {
		home := newHome("later")
		mustRun(t, "--home", home, "mark", a, "cause", "--incident", marksIncident, "--at", "2026-11-25T00:00:00Z")
		// An unrelated incident's mark, made in time, changes nothing either.
		mustRun(t, "--home", home, "mark", c, "cause", "--incident", "the French footer shows English words", "--at", "2026-11-15T00:00:00Z")
		if _, out := askMarks(t, home); out != beforeOut {
			t.Errorf("the answer changed:\nwithout marks:\n%s\nwith them:\n%s", beforeOut, out)
		}
	})

	t.Run("unknown id", func(t *testing.T) {
		home := newHome("unknown")
		_, errOut, code := analystRun(t, "", "--home", home, "mark", "deadbeef", "cause", "--incident", marksIncident)
		if code != exitUsage || !strings.Contains(errOut, `no entry with id "deadbeef"`) || !strings.Contains(errOut, "hint: ") {
			t.Errorf("mark of an unknown id: exit %d\n%s", code, errOut)
		}
		_, errOut, code = analystRun(t, "", "--home", home, "mark", a, "maybe", "--incident", marksIncident)
		if code != exitUsage || !strings.Contains(errOut, "hint: the verdict is 'cause' or 'not'") {
			t.Errorf("mark with a bad verdict: exit %d\n%s", code, errOut)
		}
		db, err := sql.Open("sqlite", "file:"+filepath.Join(home, "journal.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var marks, entries int
		if err := db.QueryRow("SELECT (SELECT count(*) FROM marks), (SELECT count(*) FROM entries)").Scan(&marks, &entries); err != nil {
			t.Fatal(err)
		}
		if marks != 0 || entries != 9 {
			t.Errorf("journal after bad marks: %d marks, %d entries (want 0, 9)", marks, entries)
		}
		if _, out := askMarks(t, home); out != beforeOut {
			t.Errorf("the answer changed after a refused mark")
		}
	})

	t.Run("the incident of the last ask", func(t *testing.T) {
		home := newHome("last")
		_, errOut, code := analystRun(t, "", "--home", home, "mark", a, "cause")
		if code != exitUsage || !strings.Contains(errOut, "no incident given") {
			t.Errorf("mark before any ask: exit %d\n%s", code, errOut)
		}
		mustRun(t, "--home", home, "ask", "--no-llm", "--at", "2026-11-15T00:00:00Z", marksIncident+" with token ghp_abcdefghijklmnopqrstuvwxyz0123456789")
		mustRun(t, "--home", home, "mark", a, "cause", "--at", "2026-11-15T00:00:00Z")
		show := mustRun(t, "--home", home, "show", "--json", a)
		if !strings.Contains(show, `"incident": "`+marksIncident+` with token`) || strings.Contains(show, "ghp_abcdefghijklmnop") {
			t.Errorf("the mark did not take the last ask's incident, masked:\n%s", show)
		}
	})

	t.Run("forget removes marks", func(t *testing.T) {
		home := newHome("forget")
		mustRun(t, "--home", home, "mark", a, "cause", "--incident", marksIncident, "--at", "2026-11-15T00:00:00Z")
		mustRun(t, "--home", home, "forget", "--yes", a)
		if _, out := askMarks(t, home); strings.Contains(out, "marked the cause") || strings.Contains(out, a) {
			t.Errorf("after forgetting A its mark still counts:\n%s", out)
		}
	})
}

// TestMarkOnSchema3Journal: a journal from before marks (schema 3) is
// upgraded in place by the first command and then keeps marks.
func TestMarkOnSchema3Journal(t *testing.T) {
	work := setIsolatedEnv(t)
	repo, a, _, _ := marksRepo(t, work)
	home := filepath.Join(work, "home")
	mustRun(t, "--home", home, "index", "--repo", repo)
	db, err := sql.Open("sqlite", "file:"+filepath.Join(home, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{"DROP INDEX marks_entry", "DROP TABLE marks", "PRAGMA user_version = 3"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("making a schema-3 journal: %v", err)
		}
	}
	mustRun(t, "--home", home, "mark", a, "cause", "--incident", marksIncident, "--at", "2026-11-15T00:00:00Z")
	var v, marks, entries int
	if err := db.QueryRow("SELECT (SELECT count(*) FROM marks), (SELECT count(*) FROM entries)").Scan(&marks, &entries); err != nil {
		t.Fatal(err)
	}
	db.QueryRow("PRAGMA user_version").Scan(&v)
	if v != journal.SchemaVersion || marks != 1 || entries != 9 {
		t.Errorf("after the upgrade: schema %d, %d marks, %d entries (want %d, 1, 9)", v, marks, entries, journal.SchemaVersion)
	}
}
