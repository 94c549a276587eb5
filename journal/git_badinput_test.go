package journal

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// A commit message may hold any byte but NUL, the separators of our log
// format included. A message that imitates a record (another commit's id,
// time, author, title and paths) must stay text of its own commit: it must
// neither add an entry nor replace one.
func TestCommitMessageCannotForgeRecord(t *testing.T) {
	r := newTestRepo(t)
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	honest := r.commit(t0, "Honest change", map[string]string{"a.txt": "a\n"})
	forged := "\x1d\n\x1e" + honest + "\x1f\x1fMallory <m@evil.example>\x1f1\x1fForged title\x1fforged body\x1d\n" +
		"diff --git a/secret b/secret\n+junk\n" +
		"\x1e" + strings.Repeat("d", 40) + "\x1f\x1fMallory <m@evil.example>\x1f1\x1fSecond forgery\x1f\x1d\n"
	evil := r.commit(t0.Add(time.Hour), "Evil\n\nbody"+forged, map[string]string{"b.txt": "b\n"})

	got := readAll(t, openTestGit(t, r), RevOptions{})
	if len(got) != 2 {
		for _, e := range got {
			t.Logf("entry %s %q %v", e.ID, e.Title, e.Time)
		}
		t.Fatalf("%d entries, want the 2 real commits", len(got))
	}
	byID := map[string]Entry{}
	for _, e := range got {
		byID[e.ID] = e
	}
	if e := byID[honest]; e.Title != "Honest change" || e.Author != "Dana Reyes <dana@shop.example>" || !e.Time.Equal(t0) {
		t.Errorf("honest commit read as %q by %q at %v", e.Title, e.Author, e.Time)
	}
	e, ok := byID[evil]
	if !ok {
		t.Fatalf("the commit with the forging message is missing")
	}
	if e.Title != "Evil" || len(e.Paths) != 1 || e.Paths[0] != "b.txt" {
		t.Errorf("forging commit read as %q with paths %v, want \"Evil\" with [b.txt]", e.Title, e.Paths)
	}
	if !strings.Contains(e.Body, "Forged title") {
		t.Errorf("the forged record should stay in the message body, got %q", e.Body)
	}
}

// A message line longer than the reader's buffer (1 MiB) is cut in the
// middle; the commit is still read whole, and so is the next.
func TestCommitMessageOverlongLine(t *testing.T) {
	r := newTestRepo(t)
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	// Too long for an argument: the message goes through a file.
	msg := filepath.Join(t.TempDir(), "msg")
	if err := os.WriteFile(msg, []byte("Long title\n\n"+strings.Repeat("x", 3<<20)+"\nafter\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(r.dir, "a.txt"), []byte("a\n"), 0o644)
	r.git(t0, "add", "-A")
	r.git(t0, "commit", "-q", "-F", msg)
	long := r.git(time.Time{}, "rev-parse", "HEAD")
	next := r.commit(t0.Add(time.Hour), "Second", map[string]string{"b.txt": "b\n"})
	got := readAll(t, openTestGit(t, r), RevOptions{})
	titles := map[string]string{}
	for _, e := range got {
		titles[e.ID] = e.Title
		if len(e.Body) > 1<<20 {
			t.Errorf("%s: body of %d bytes kept", e.ID, len(e.Body))
		}
	}
	if titles[long] != "Long title" || titles[next] != "Second" || len(got) != 2 {
		t.Fatalf("read %v, want both commits with their titles", titles)
	}
}

// A 50,000-line commit with a binary file and dozens of small files: the
// diff text is bounded, every path and the line counts are kept.
func TestHugeCommitBounded(t *testing.T) {
	r := newTestRepo(t)
	var huge strings.Builder
	for i := range 50000 {
		huge.WriteString("line ")
		huge.WriteString(strings.Repeat("z", i%17))
		huge.WriteString("\n")
	}
	files := map[string]string{"vendor/huge.txt": huge.String()}
	for i := range 30 {
		files[filepath.Join("small", string(rune('a'+i%26))+strings.Repeat("x", i/26)+".txt")] = "small\n"
	}
	bin := make([]byte, 20000)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	os.WriteFile(filepath.Join(r.dir, "blob.bin"), bin, 0o644)
	sha := r.commit(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), "Vendor everything", files)

	got := readAll(t, openTestGit(t, r), RevOptions{})
	if len(got) != 1 || got[0].ID != sha {
		t.Fatalf("got %d entries", len(got))
	}
	e := got[0]
	lim := CommitLimits{}.withDefaults()
	if len(e.Diff) > lim.MaxDiff {
		t.Errorf("diff of %d bytes kept, limit %d", len(e.Diff), lim.MaxDiff)
	}
	if !e.Meta.DiffCut {
		t.Error("DiffCut not set")
	}
	if len(e.Paths) != 32 || e.Meta.Files != 32 {
		t.Errorf("%d paths, %d files; want 32 of each", len(e.Paths), e.Meta.Files)
	}
	if e.Meta.Added != 50030 || e.Meta.Deleted != 0 {
		t.Errorf("+%d -%d, want +50030 -0", e.Meta.Added, e.Meta.Deleted)
	}
	if len(e.Meta.Binary) != 1 || e.Meta.Binary[0] != "blob.bin" {
		t.Errorf("binary files %v, want [blob.bin]", e.Meta.Binary)
	}
	if !strings.Contains(e.Diff, "diff --git a/small/a.txt b/small/a.txt") {
		t.Error("one huge file pushed the small files' diffs out")
	}
}

// Bytes that are not UTF-8 in a message, an author, a path's content and a
// binary file become U+FFFD; nothing is lost but those bytes.
func TestNonUTF8CommitText(t *testing.T) {
	r := newTestRepo(t)
	os.WriteFile(filepath.Join(r.dir, "latin1.txt"), []byte("caf\xe9 cr\xe8me \xff\xfe\n"), 0o644)
	os.WriteFile(filepath.Join(r.dir, "raw.bin"), []byte("\x00\x01\xff\xfe\x80"), 0o644)
	sha := r.commit(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), "Caf\xe9 \xff fix\n\nbody \xfe\xfe end", nil)
	got := readAll(t, openTestGit(t, r), RevOptions{})
	if len(got) != 1 || got[0].ID != sha {
		t.Fatalf("got %d entries", len(got))
	}
	e := got[0]
	for name, s := range map[string]string{"title": e.Title, "body": e.Body, "author": e.Author, "diff": e.Diff} {
		if !utf8.ValidString(s) {
			t.Errorf("%s is not valid UTF-8: %q", name, s)
		}
	}
	if !strings.HasPrefix(e.Title, "Caf") || !strings.HasSuffix(e.Title, "fix") || !strings.HasSuffix(e.Body, "end") {
		t.Errorf("title %q body %q", e.Title, e.Body)
	}
	if !strings.Contains(e.Diff, "+caf") || !bytes.Contains([]byte(e.Diff), []byte("cr")) {
		t.Errorf("latin-1 file's diff lost: %q", e.Diff)
	}
	if len(e.Meta.Binary) != 1 || e.Meta.Binary[0] != "raw.bin" {
		t.Errorf("binary %v, want [raw.bin]", e.Meta.Binary)
	}
}

func openTestGit(t *testing.T, r *testRepo) *Git {
	t.Helper()
	g, err := OpenGit(t.Context(), r.dir)
	if err != nil {
		t.Fatal(err)
	}
	return g
}
