package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/analyst-dev/analyst/journal"
)

// Bad input, each with its outcome pinned: the exit code, the `analyst:`
// and `hint:` lines, and a journal that still holds every earlier entry.

// logIDs returns the ids `analyst log --json` lists for home.
func logIDs(t *testing.T, home string) []string {
	t.Helper()
	out, errOut, code := analystRun(t, "", "--home", home, "log", "--json")
	if code != 0 {
		t.Fatalf("log after bad input: exit %d\n%s", code, errOut)
	}
	var ids []string
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var e struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		}
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("log --json: %v\n%s", err, out)
		}
		ids = append(ids, e.ID)
	}
	return ids
}

// checkLines asserts that stderr's lines start with want, in order, and that
// nothing went to stdout.
func checkLines(t *testing.T, stdout, stderr string, want ...string) {
	t.Helper()
	if stdout != "" {
		t.Errorf("stdout should be empty, got %q", stdout)
	}
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if len(lines) < len(want) {
		t.Fatalf("stderr has %d lines, want at least %d:\n%s", len(lines), len(want), stderr)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("stderr line %d = %q, want it to start with %q", i+1, lines[i], w)
		}
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "analyst: ") && !strings.HasPrefix(l, "hint: ") {
			t.Errorf("stderr line %q is neither 'analyst:' nor 'hint:'", l)
		}
	}
}

func TestBadUsageAndInput(t *testing.T) {
	work := setIsolatedEnv(t)
	home := filepath.Join(work, "home")
	mustRun(t, "--home", home, "note", "kept safe")
	before := logIDs(t, home)
	os.WriteFile(filepath.Join(work, "a-file"), []byte("x"), 0o644)
	os.Mkdir(filepath.Join(work, "plain-dir"), 0o755)

	sinceHint := "hint: give --since as a duration such as 2h, 90m, 3d or 2w"
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  []string // stderr lines, by prefix
	}{
		{"empty note", "", []string{"note", ""}, []string{"analyst: empty note", "hint: analyst note"}},
		{"whitespace note", "", []string{"note", " \t\n  "}, []string{"analyst: empty note", "hint: analyst note"}},
		{"whitespace note on stdin", " \n\t\r\n ", []string{"note", "-"}, []string{"analyst: empty note", "hint: analyst note"}},
		{"empty incident", "", []string{"ask", ""}, []string{"analyst: empty incident description", "hint: analyst ask"}},
		{"whitespace incident", "", []string{"ask", "   \t "}, []string{"analyst: empty incident description", "hint: analyst ask"}},
		{"whitespace incident on stdin", "\n\n  \n", []string{"ask", "-"}, []string{"analyst: empty incident description", "hint: analyst ask"}},
		{"at not a time", "", []string{"ask", "--at", "yesterday", "x"},
			[]string{`analyst: invalid --at "yesterday": not an RFC 3339 time`, "hint: give --at as RFC 3339"}},
		{"at past year 9999", "", []string{"ask", "--at", "9999-12-31T23:59:59-23:59", "x"},
			[]string{`analyst: invalid --at "9999-12-31T23:59:59-23:59"`, "hint: give --at as RFC 3339"}},
		{"at impossible date", "", []string{"note", "--at", "2026-02-30", "x"},
			[]string{`analyst: invalid --at "2026-02-30"`, "hint: give --at as RFC 3339"}},
		{"since not a duration", "", []string{"ask", "--since", "forever", "x"}, []string{`analyst: invalid --since "forever"`, sinceHint}},
		{"since negative", "", []string{"ask", "--since", "-3d", "x"}, []string{`analyst: invalid --since "-3d"`, sinceHint}},
		{"since zero", "", []string{"ask", "--since", "0h", "x"}, []string{`analyst: invalid --since "0h"`, sinceHint}},
		{"since infinite", "", []string{"ask", "--since", "Infd", "x"}, []string{`analyst: invalid --since "Infd"`, sinceHint}},
		{"since NaN", "", []string{"ask", "--since", "NaNw", "x"}, []string{`analyst: invalid --since "NaNw"`, sinceHint}},
		{"since past a Duration", "", []string{"ask", "--since", "1e300d", "x"}, []string{`analyst: invalid --since "1e300d"`, sinceHint}},
		{"since too small", "", []string{"ask", "--since", "1e-300d", "x"}, []string{`analyst: invalid --since "1e-300d"`, sinceHint}},
		{"index since not a time", "", []string{"index", "--since", "last week"},
			[]string{`analyst: invalid --since "last week": not an RFC 3339 time`, "hint: give --since as RFC 3339"}},
		{"repo not a repository", "", []string{"index", "--repo", filepath.Join(work, "plain-dir")},
			[]string{"analyst: " + filepath.Join(work, "plain-dir") + " is not a git repository", "hint: give the path of a git work tree or a bare repository"}},
		{"repo missing", "", []string{"index", "--repo", filepath.Join(work, "missing")},
			[]string{"analyst: " + filepath.Join(work, "missing") + " is not a git repository", "hint: give the path"}},
		{"repo a file", "", []string{"index", "--repo", filepath.Join(work, "a-file")},
			[]string{"analyst: " + filepath.Join(work, "a-file") + " is not a git repository", "hint: give the path"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := analystRun(t, tc.stdin, append([]string{"--home", home}, tc.args...)...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d\n%s", code, exitUsage, errOut)
			}
			checkLines(t, out, errOut, tc.want...)
		})
	}
	if after := logIDs(t, home); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Errorf("journal changed by bad input: %v, was %v", after, before)
	}
}

// Ten megabytes on stdin: the first MiB is used, the rest dropped with a
// warning; the command still answers.
func TestHugeStdinIsBounded(t *testing.T) {
	work := setIsolatedEnv(t)
	home := filepath.Join(work, "home")
	var big strings.Builder
	for big.Len() < 10<<20 {
		fmt.Fprintf(&big, "goroutine %d [running]: main.save(0x%x) /src/shop/orders.go:%d +0x1d\n", big.Len(), big.Len(), big.Len()%997)
	}
	warn := fmt.Sprintf("analyst: stdin is longer than %d bytes: using the first %d", maxInput, maxInput)

	out, errOut, code := analystRun(t, big.String(), "--home", home, "note", "--at", "2026-11-01T00:00:00Z", "-")
	if code != exitOK {
		t.Fatalf("note -: exit %d\n%s", code, errOut)
	}
	if !strings.Contains(errOut, warn) {
		t.Errorf("note -: no warning about the cut\n%s", errOut)
	}
	e := showJSON(t, home, strings.TrimSpace(out))
	if n := len(e.Title) + len(e.Body); n > maxInput || n < maxInput/2 {
		t.Errorf("note kept %d bytes, want close to %d and no more", n, maxInput)
	}

	out, errOut, code = analystRun(t, big.String(), "--home", home, "ask", "--no-llm", "--no-auto-index", "--json", "-")
	if code != exitOK {
		t.Fatalf("ask -: exit %d\n%s", code, errOut)
	}
	if !strings.Contains(errOut, warn) {
		t.Errorf("ask -: no warning about the cut\n%s", errOut)
	}
	a := askJSONOf(t, out)
	if len(a.Query) > maxInput {
		t.Errorf("ask used %d bytes of stdin, limit %d", len(a.Query), maxInput)
	}
	if len(a.Suspects) != 1 {
		t.Errorf("ask over the cut stack trace found %d suspects, want the one note", len(a.Suspects))
	}
}

// showEntry is the part of an entry these tests read back.
type showEntry struct {
	ID, Title, Body, Diff string
	Paths                 []string
}

// showJSON reads one entry back from the journal of home.
func showJSON(t *testing.T, home, id string) showEntry {
	t.Helper()
	j, err := journal.Open(t.Context(), filepath.Join(home, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	e, err := j.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("entry %q: %v", id, err)
	}
	return showEntry{ID: e.ID, Title: e.Title, Body: e.Body, Diff: e.Diff, Paths: e.Paths}
}

// Bytes that are not UTF-8 in a description become U+FFFD, from an argument
// as from stdin; ask's JSON stays valid.
func TestNonUTF8Descriptions(t *testing.T) {
	work := setIsolatedEnv(t)
	home := filepath.Join(work, "home")
	for _, tc := range []struct{ name, stdin, arg string }{
		{"argument", "", "caf\xe9 \xff\xfe pool size raised"},
		{"stdin", "caf\xe9 \xff\xfe pool size raised\n\x80body\n", "-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := analystRun(t, tc.stdin, "--home", home, "note", "--at", "2026-11-01T00:00:00Z", tc.arg)
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, errOut)
			}
			e := showJSON(t, home, strings.TrimSpace(out))
			if !utf8.ValidString(e.Title) || !utf8.ValidString(e.Body) {
				t.Errorf("stored text is not UTF-8: %q %q", e.Title, e.Body)
			}
			if !strings.HasPrefix(e.Title, "caf\uFFFD") || !strings.HasSuffix(e.Title, "pool size raised") {
				t.Errorf("title %q", e.Title)
			}
		})
	}
	out, errOut, code := analystRun(t, "", "--home", home, "ask", "--no-llm", "--no-auto-index", "--json", "pool \xff\xfe exhausted")
	if code != exitOK {
		t.Fatalf("ask: exit %d\n%s", code, errOut)
	}
	a := askJSONOf(t, out)
	if a.Query != "pool \uFFFD exhausted" || len(a.Suspects) != 2 {
		t.Errorf("query %q with %d suspects", a.Query, len(a.Suspects))
	}
}

// git runs git in dir with the test's isolated environment plus env.
func gitIn(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// newRepo makes an empty git repository dir/name and returns it with a
// function that writes a file in it (see writeRepoFile).
func newRepo(t *testing.T, dir, name string) (repo string, write func(path, text string)) {
	t.Helper()
	repo = filepath.Join(dir, name)
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	gitIn(t, repo, nil, "init", "-q", "-b", "main")
	return repo, func(path, text string) { writeRepoFile(t, repo, path, text) }
}

// writeRepoFile writes text to path inside repo, creating directories.
func writeRepoFile(t *testing.T, repo, path, text string) {
	t.Helper()
	p := filepath.Join(repo, path)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// commitAll commits every file of dir at the given RFC 3339 time.
func commitAll(t *testing.T, dir, when, msg string) string {
	t.Helper()
	env := []string{"GIT_AUTHOR_DATE=" + when, "GIT_COMMITTER_DATE=" + when}
	gitIn(t, dir, env, "add", "-A")
	gitIn(t, dir, env, "commit", "-q", "--allow-empty", "--cleanup=verbatim", "-m", msg)
	return gitIn(t, dir, nil, "rev-parse", "HEAD")
}

func TestRepositoryEdgeCases(t *testing.T) {
	work := setIsolatedEnv(t)

	t.Run("no commits", func(t *testing.T) {
		home := filepath.Join(work, "home-empty")
		repo := filepath.Join(work, "empty")
		gitIn(t, work, nil, "init", "-q", repo)
		out, errOut, code := analystRun(t, "", "--home", home, "index", "--repo", repo)
		if code != exitOK {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		if out != "" || !strings.Contains(errOut, "analyst: empty: 0 commits, 0 new") || !strings.Contains(errOut, "analyst: empty has no commits yet") {
			t.Errorf("stdout %q stderr:\n%s", out, errOut)
		}
		out, errOut, code = analystRun(t, "", "--home", home, "ask", "--no-llm", "--json", "anything")
		if code != exitOK || len(askJSONOf(t, out).Suspects) != 0 {
			t.Errorf("ask over an empty history: exit %d\n%s\n%s", code, out, errOut)
		}
	})

	t.Run("shallow clone", func(t *testing.T) {
		home := filepath.Join(work, "home-shallow")
		src := filepath.Join(work, "src")
		gitIn(t, work, nil, "init", "-q", src)
		var last string
		for i, msg := range []string{"Start orders service", "Lower write concern to w=0", "Raise pool size to 50"} {
			os.WriteFile(filepath.Join(src, "orders.py"), []byte(strings.Repeat("x = 1\n", i+1)), 0o644)
			last = commitAll(t, src, fmt.Sprintf("2026-11-0%dT10:00:00Z", i+1), msg)
		}
		clone := filepath.Join(work, "shallow")
		gitIn(t, work, nil, "clone", "-q", "--depth", "1", "file://"+src, clone)
		if gitIn(t, clone, nil, "rev-parse", "--is-shallow-repository") != "true" {
			t.Fatal("the clone is not shallow")
		}
		_, errOut, code := analystRun(t, "", "--home", home, "index", "--repo", clone)
		if code != exitOK {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		if ids := logIDs(t, home); len(ids) != 1 || ids[0] != last {
			t.Errorf("journal of a depth-1 clone holds %v, want only %s", ids, last)
		}
		out, errOut, code := analystRun(t, "", "--home", home, "ask", "--no-llm", "--no-auto-index", "--json", "--at", "2026-11-04T00:00:00Z", "pool exhausted")
		if code != exitOK || len(askJSONOf(t, out).Suspects) != 1 {
			t.Errorf("ask over a shallow clone: exit %d\n%s\n%s", code, out, errOut)
		}
	})

	t.Run("text that is not UTF-8 and binary files", func(t *testing.T) {
		home := filepath.Join(work, "home-bytes")
		repo := filepath.Join(work, "bytes")
		gitIn(t, work, nil, "init", "-q", repo)
		os.WriteFile(filepath.Join(repo, "latin1.txt"), []byte("caf\xe9 cr\xe8me\n"), 0o644)
		os.WriteFile(filepath.Join(repo, "logo.png"), []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"), 0o644)
		sha := commitAll(t, repo, "2026-11-01T10:00:00Z", "Caf\xe9 \xff menu\n\nbody \xfe end")
		_, errOut, code := analystRun(t, "", "--home", home, "index", "--repo", repo)
		if code != exitOK {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		out := mustRun(t, "--home", home, "log", "--json")
		if !utf8.ValidString(out) || !strings.Contains(out, sha) {
			t.Errorf("log --json: %q", out)
		}
		out = mustRun(t, "--home", home, "show", sha)
		for _, want := range []string{"Binary files /dev/null and b/logo.png differ", "+caf\uFFFD cr\uFFFDme"} {
			if !strings.Contains(out, want) {
				t.Errorf("show lacks %q:\n%s", want, out)
			}
		}
		if !utf8.ValidString(out) {
			t.Error("show printed bytes that are not UTF-8")
		}
	})
}

// A damaged journal is refused with exit 1, a message naming it and what to
// do, and is left byte for byte as it was: it may be the only copy of notes.
func TestDamagedJournal(t *testing.T) {
	work := setIsolatedEnv(t)

	// A real journal, for the truncated case.
	good := filepath.Join(work, "good")
	for i := range 20 {
		mustRun(t, "--home", good, "note", fmt.Sprintf("note %d %s", i, strings.Repeat("about the orders pool ", 200)))
	}
	whole, err := os.ReadFile(filepath.Join(good, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	random := make([]byte, 16384)
	for i := range random {
		random[i] = byte(i*131 + i/7)
	}

	for _, tc := range []struct {
		name    string
		content []byte
	}{
		{"random bytes", random},
		{"truncated to its header", whole[:100]},
		{"truncated to half", whole[:len(whole)/2]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := filepath.Join(work, strings.ReplaceAll(tc.name, " ", "-"))
			os.MkdirAll(home, 0o700)
			path := filepath.Join(home, "journal.db")
			if err := os.WriteFile(path, tc.content, 0o600); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{{"log"}, {"note", "x"}, {"ask", "--no-llm", "--no-auto-index", "x"}, {"show", "n0"}} {
				out, errOut, code := analystRun(t, "", append([]string{"--home", home}, args...)...)
				if code != exitFail {
					t.Errorf("%v: exit %d, want %d\n%s", args, code, exitFail, errOut)
				}
				checkLines(t, out, errOut, "analyst: journal "+path+" is damaged: ", "hint: it was left as it is")
			}
			if now, _ := os.ReadFile(path); !bytes.Equal(now, tc.content) {
				t.Error("the damaged journal was changed")
			}
		})
	}
}

// schemaOne is the journal's layout before enrichments (schema 1).
const schemaOne = `
CREATE TABLE entries (
	seq      INTEGER PRIMARY KEY AUTOINCREMENT,
	id       TEXT NOT NULL UNIQUE,
	kind     TEXT NOT NULL,
	time     INTEGER NOT NULL,
	recorded INTEGER NOT NULL,
	repo     TEXT NOT NULL DEFAULT '',
	ref      TEXT NOT NULL DEFAULT '',
	title    TEXT NOT NULL DEFAULT '',
	body     TEXT NOT NULL DEFAULT '',
	author   TEXT NOT NULL DEFAULT '',
	paths    TEXT NOT NULL DEFAULT '[]',
	diff     TEXT NOT NULL DEFAULT '',
	tags     TEXT NOT NULL DEFAULT '[]',
	masked   TEXT NOT NULL DEFAULT '[]',
	meta     TEXT NOT NULL DEFAULT '{}',
	unreachable INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX entries_unreachable ON entries(unreachable) WHERE unreachable != 0;
CREATE INDEX entries_time ON entries(time);
CREATE INDEX entries_repo ON entries(repo, time);
CREATE TABLE repos (
	path     TEXT PRIMARY KEY,
	name     TEXT NOT NULL,
	added    INTEGER NOT NULL,
	indexed  INTEGER NOT NULL DEFAULT 0,
	head     TEXT NOT NULL DEFAULT '',
	all_refs INTEGER NOT NULL DEFAULT 0
);
INSERT INTO entries (id, kind, time, recorded, repo, title, body, paths, tags, masked, meta) VALUES
	('n00000000000000a1', 'decision', 1764756000, 1764756000000, 'shop-api', 'Set w=0 on the orders Mongo URI',
	 'for faster writes', '[]', '["mongo"]', '[{"kind":"url-password","count":1}]', '{"source":"note"}'),
	('n00000000000000a2', 'note', 1764759600, 1764759600000, '', 'Raised nginx worker_connections', '', '[]', '[]', '[]', '{"source":"note"}');
PRAGMA user_version = 1;
`

// A journal written by an older analyst (schema 1) is upgraded in place
// and keeps every entry.
func TestOlderSchemaJournal(t *testing.T) {
	work := setIsolatedEnv(t)
	home := filepath.Join(work, "home")
	os.MkdirAll(home, 0o700)
	db, err := sql.Open("sqlite", filepath.Join(home, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(schemaOne); err != nil {
		t.Fatal(err)
	}
	db.Close()

	if ids := logIDs(t, home); strings.Join(ids, " ") != "n00000000000000a2 n00000000000000a1" {
		t.Fatalf("schema-1 entries after upgrade: %v", ids)
	}
	mustRun(t, "--home", home, "note", "--at", "2026-12-03T12:00:00Z", "Moved the orders pool to 10")
	out := mustRun(t, "--home", home, "ask", "--no-llm", "--no-auto-index", "--json", "--at", "2026-12-04T02:00:00Z", "API returns None after save")
	if a := askJSONOf(t, out); len(a.Suspects) != 3 || a.Suspects[0].ID != "n00000000000000a1" {
		t.Errorf("ask over an upgraded journal: %+v", a.Suspects)
	}
	if out := mustRun(t, "--home", home, "show", "n00000000000000a1"); !strings.Contains(out, "Masked:   url-password") {
		t.Errorf("show of a schema-1 entry:\n%s", out)
	}
	db, _ = sql.Open("sqlite", filepath.Join(home, "journal.db"))
	defer db.Close()
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != journal.SchemaVersion {
		t.Errorf("user_version %d (%v), want %d", v, err, journal.SchemaVersion)
	}
}
