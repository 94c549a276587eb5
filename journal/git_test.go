package journal

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// testRepo is a real git repository built by a test, with backdated commits.
type testRepo struct {
	t   *testing.T
	dir string
}

func gitEnv(when time.Time) []string {
	env := append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Dana Reyes", "GIT_AUTHOR_EMAIL=dana@shop.example",
		"GIT_COMMITTER_NAME=Dana Reyes", "GIT_COMMITTER_EMAIL=dana@shop.example")
	if !when.IsZero() {
		d := when.UTC().Format(time.RFC3339)
		env = append(env, "GIT_AUTHOR_DATE="+d, "GIT_COMMITTER_DATE="+d)
	}
	return env
}

func newTestRepo(t *testing.T) *testRepo {
	t.Helper()
	r := &testRepo{t: t, dir: filepath.Join(t.TempDir(), "shop-api")}
	if err := os.MkdirAll(r.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	r.git(time.Time{}, "init", "-q", "-b", "main")
	return r
}

func (r *testRepo) git(when time.Time, args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "core.hooksPath=/dev/null", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = r.dir
	cmd.Env = gitEnv(when)
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// commit writes files (empty content deletes) and commits them at when.
func (r *testRepo) commit(when time.Time, msg string, files map[string]string) string {
	r.t.Helper()
	for name, content := range files {
		p := filepath.Join(r.dir, name)
		if content == "" {
			os.Remove(p)
			continue
		}
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
	r.git(when, "add", "-A")
	r.git(when, "commit", "-q", "--allow-empty", "-m", msg)
	return r.git(time.Time{}, "rev-parse", "HEAD")
}

func readAll(t *testing.T, g *Git, opts RevOptions) []Entry {
	t.Helper()
	ctx := context.Background()
	shas, err := g.RevList(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	var out []Entry
	if err := g.Commits(ctx, shas, CommitLimits{}, func(e Entry) error { out = append(out, e); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGitCommits(t *testing.T) {
	ctx := context.Background()
	r := newTestRepo(t)
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	first := r.commit(t0, "Add order service", map[string]string{
		"app/orders.py":         "def save(order):\n    db.orders.insert_one(order)\n",
		"config/production.env": "MONGO_URL=mongodb://app:s3cr3t-pw@db/shop?w=majority\n",
	})
	cause := r.commit(t0.Add(2*time.Hour), "Speed up order writes\n\nfor performance", map[string]string{
		"config/production.env": "MONGO_URL=mongodb://app:s3cr3t-pw@db/shop?w=0&journal=false\n",
	})
	bin := r.commit(t0.Add(3*time.Hour), "Add logo", map[string]string{"static/logo.png": "\x89PNG\x00\x01\x02binary\x00data"})
	reverted := r.commit(t0.Add(4*time.Hour), "Log every request", map[string]string{"app/log.py": "LOG_ALL = True\n"})
	r.git(t0.Add(5*time.Hour), "revert", "--no-edit", reverted)
	// A merge commit is skipped.
	r.git(t0.Add(6*time.Hour), "checkout", "-q", "-b", "feature")
	r.commit(t0.Add(6*time.Hour), "Feature work", map[string]string{"app/feature.py": "x = 1\n"})
	r.git(t0.Add(7*time.Hour), "checkout", "-q", "main")
	r.commit(t0.Add(7*time.Hour), "Main work", map[string]string{"README.md": "shop\n"})
	r.git(t0.Add(8*time.Hour), "merge", "-q", "--no-ff", "-m", "Merge feature", "feature")

	g, err := OpenGit(ctx, r.dir)
	if err != nil {
		t.Fatal(err)
	}
	if g.Name != "shop-api" || g.Bare {
		t.Errorf("OpenGit = %+v", g)
	}
	entries := readAll(t, g, RevOptions{})
	if len(entries) != 7 {
		t.Fatalf("got %d commits, want 7 (merge skipped)", len(entries))
	}
	byID := map[string]Entry{}
	for _, e := range entries {
		byID[e.ID] = e
		if strings.HasPrefix(e.Title, "Merge") {
			t.Errorf("merge commit recorded: %s", e.Title)
		}
	}
	c := byID[cause]
	if c.Title != "Speed up order writes" || c.Body != "for performance" || !c.Time.Equal(t0.Add(2*time.Hour)) ||
		c.Ref != cause || c.Repo != "shop-api" || c.Kind != KindCommit {
		t.Errorf("cause entry = %+v", c)
	}
	if !strings.Contains(c.Diff, "+MONGO_URL=mongodb://app:***@db/shop?w=0&journal=false") || strings.Contains(c.Diff, "s3cr3t") {
		t.Errorf("cause diff not captured or not redacted:\n%s", c.Diff)
	}
	if len(c.Masked) == 0 {
		t.Error("cause entry does not record what was masked")
	}
	if len(c.Paths) != 1 || c.Paths[0] != "config/production.env" || c.Meta.Added != 1 || c.Meta.Deleted != 1 {
		t.Errorf("paths/stats = %v +%d -%d", c.Paths, c.Meta.Added, c.Meta.Deleted)
	}
	if b := byID[bin]; len(b.Meta.Binary) != 1 || b.Meta.Binary[0] != "static/logo.png" {
		t.Errorf("binary file not recorded: %+v", b.Meta)
	}
	var revert Entry
	for _, e := range entries {
		if strings.HasPrefix(e.Title, "Revert") {
			revert = e
		}
	}
	if revert.Meta.Reverts != reverted {
		t.Errorf("revert links to %q, want %q", revert.Meta.Reverts, reverted)
	}
	if len(byID[first].Paths) != 2 {
		t.Errorf("first commit paths = %v", byID[first].Paths)
	}
	if !byID[first].Meta.Root || byID[cause].Meta.Root {
		t.Errorf("root flags: first %v, later %v; want true, false", byID[first].Meta.Root, byID[cause].Meta.Root)
	}

	// --all reads the feature branch too (already merged here, so same set),
	// and --since keeps only newer commits.
	since := readAll(t, g, RevOptions{Since: t0.Add(90 * time.Minute)})
	if len(since) != 6 {
		t.Errorf("--since gave %d commits, want 6", len(since))
	}

	// A bare clone reads the same commits with the same ids.
	bare := filepath.Join(t.TempDir(), "shop-api.git")
	if out, err := exec.Command("git", "clone", "-q", "--bare", r.dir, bare).CombinedOutput(); err != nil {
		t.Fatalf("clone: %v %s", err, out)
	}
	gb, err := OpenGit(ctx, bare)
	if err != nil {
		t.Fatal(err)
	}
	if !gb.Bare {
		t.Error("bare clone not detected as bare")
	}
	bareEntries := readAll(t, gb, RevOptions{})
	if len(bareEntries) != len(entries) {
		t.Fatalf("bare clone gave %d commits, want %d", len(bareEntries), len(entries))
	}
	for _, e := range bareEntries {
		if byID[e.ID].Diff != e.Diff {
			t.Errorf("bare clone commit %s differs", e.ID)
		}
	}
}

func TestGitBoundsHugeDiffs(t *testing.T) {
	r := newTestRepo(t)
	var big strings.Builder
	for i := range 50000 {
		big.WriteString("generated line ")
		big.WriteString(strings.Repeat("x", i%50))
		big.WriteByte('\n')
	}
	sha := r.commit(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "Vendor a generated file", map[string]string{
		"gen/big.txt": big.String(), "src/main.go": "package main\n",
	})
	g, err := OpenGit(context.Background(), r.dir)
	if err != nil {
		t.Fatal(err)
	}
	es := readAll(t, g, RevOptions{})
	if len(es) != 1 || es[0].ID != sha {
		t.Fatalf("got %d entries", len(es))
	}
	e := es[0]
	lim := CommitLimits{}.withDefaults()
	if len(e.Diff) > lim.MaxDiff+100 {
		t.Errorf("diff kept %d bytes, limit %d", len(e.Diff), lim.MaxDiff)
	}
	if !e.Meta.DiffCut || e.Meta.Added != 50001 || e.Meta.Files != 2 || len(e.Paths) != 2 {
		t.Errorf("meta = %+v paths %v", e.Meta, e.Paths)
	}
	if !strings.Contains(e.Diff, "src/main.go") {
		t.Error("a huge file pushed the other file's diff out")
	}
}

func TestGitEmptyAndNotARepo(t *testing.T) {
	ctx := context.Background()
	if _, err := OpenGit(ctx, t.TempDir()); !errors.Is(err, ErrNotRepository) {
		t.Errorf("OpenGit(plain dir) = %v, want ErrNotRepository", err)
	}
	if _, err := OpenGit(ctx, filepath.Join(t.TempDir(), "missing")); !errors.Is(err, ErrNotRepository) {
		t.Errorf("OpenGit(missing) = %v, want ErrNotRepository", err)
	}
	r := newTestRepo(t)
	g, err := OpenGit(ctx, r.dir)
	if err != nil {
		t.Fatal(err)
	}
	shas, err := g.RevList(ctx, RevOptions{})
	if err != nil || len(shas) != 0 {
		t.Errorf("RevList of empty repo = %v, %v", shas, err)
	}
}

func TestDiffGitPath(t *testing.T) {
	tests := map[string]string{
		"diff --git a/app/x.py b/app/x.py":                 "app/x.py",
		"diff --git a/dir with space/f b/dir with space/f": "dir with space/f",
		"diff --git a/old b/new":                           "new",
	}
	for in, want := range tests {
		if got := diffGitPath(in); got != want {
			t.Errorf("diffGitPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGitAllRefs(t *testing.T) {
	ctx := context.Background()
	r := newTestRepo(t)
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	r.commit(t0, "On main", map[string]string{"a": "1\n"})
	r.git(t0, "checkout", "-q", "-b", "topic")
	topic := r.commit(t0.Add(time.Hour), "On an unmerged branch", map[string]string{"b": "2\n"})
	r.git(t0, "checkout", "-q", "main")
	g, err := OpenGit(ctx, r.dir)
	if err != nil {
		t.Fatal(err)
	}
	head, _ := g.RevList(ctx, RevOptions{})
	all, _ := g.RevList(ctx, RevOptions{All: true})
	if len(head) != 1 || len(all) != 2 || all[0] != topic {
		t.Errorf("HEAD gave %d commits, --all %v; want 1 and both (topic first)", len(head), all)
	}
	reach, err := g.Reachable(ctx)
	if err != nil || !reach[topic] {
		t.Errorf("Reachable misses the topic branch: %v", err)
	}
}

func TestCosmetic(t *testing.T) {
	cases := []struct {
		path           string
		removed, added []string
		want           bool
	}{
		{"shop/api/wishlists.py", []string{"MAX_ITEMS = 200"}, []string{"MAX_ITEMS = 200  # the page loads every item"}, true},
		{"shop/api/wishlists.py", []string{"MAX_ITEMS = 200"}, []string{"MAX_ITEMS = 100  # fewer"}, false},
		{"app.py", nil, []string{"# a new comment line", ""}, true},
		{"app.py", []string{`color = "#fff"`}, []string{`color = "#000"`}, false},
		{"app.py", []string{"x = 1"}, []string{"x  =  1"}, true},
		{"main.go", []string{"timeout := 2 * time.Second"}, []string{"timeout := 2 * time.Second // the gateway's own limit"}, true},
		{"main.go", []string{`url := "http://a.example/x"`}, []string{`url := "http://b.example/x"`}, false},
		{"main.go", []string{"a := f(/* old */ x)"}, []string{"a := f(/* new */ x)"}, true},
		{"ip/iplink.c", []string{"#include <stdio.h>"}, []string{"#include <stdlib.h>"}, false},
		{"config.yaml", []string{"replicas: 3 # prod"}, []string{"replicas: 2 # prod"}, false},
		{"notes.txt", []string{"hello # world"}, []string{"hello # there"}, false},
		// Moving lines around changes no code line.
		{"app.py", []string{"a = 1", "b = 2"}, []string{"b = 2", "a = 1"}, true},
	}
	for _, c := range cases {
		if got := Cosmetic(c.path, c.removed, c.added); got != c.want {
			t.Errorf("Cosmetic(%s, %q, %q) = %v, want %v", c.path, c.removed, c.added, got, c.want)
		}
	}
}

// TestFileLogSkipsCosmetic: the history of a file named in a stack trace,
// and the blame of a line it names, leave out changes of comments only,
// however recent.
func TestFileLogSkipsCosmetic(t *testing.T) {
	ctx := context.Background()
	r := newTestRepo(t)
	day := func(d int) time.Time { return time.Date(2026, 9, d, 10, 0, 0, 0, time.UTC) }
	file := func(text string) map[string]string { return map[string]string{"wishlists.py": text} }
	first := r.commit(day(1), "Wishlists", file("MAX_ITEMS = 100\n\ndef get(doc):\n    return doc\n"))
	real := r.commit(day(2), "Wishlists: 200 items", file("MAX_ITEMS = 200\n\ndef get(doc):\n    return doc\n"))
	r.commit(day(3), "Wishlists: say why 200", file("MAX_ITEMS = 200  # the page loads them all\n\ndef get(doc):\n    return doc\n"))
	r.commit(day(4), "Wishlists: comments", file("MAX_ITEMS = 200  # the page loads them all\n\n\ndef get(doc):\n    # the document as stored\n    return doc\n"))
	g, err := OpenGit(ctx, r.dir)
	if err != nil {
		t.Fatal(err)
	}
	shas, err := g.FileLog(ctx, "HEAD", "wishlists.py", 5)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{real, first}; !slices.Equal(shas, want) {
		t.Errorf("FileLog = %v, want %v (the two comment changes left out)", shas, want)
	}
	if shas, _ := g.FileLog(ctx, "HEAD", "wishlists.py", 1); !slices.Equal(shas, []string{real}) {
		t.Errorf("FileLog n=1 = %v, want [%s]", shas, real)
	}
	// Blame passes over them too: line 1 got its comment later; line 6 has
	// not changed since the first commit.
	for line, want := range map[int]string{1: real, 6: first} {
		if sha, err := g.BlameLine(ctx, "HEAD", "wishlists.py", line); err != nil || sha != want {
			t.Errorf("BlameLine(%d) = %s, %v; want %s", line, sha, err, want)
		}
	}
}
