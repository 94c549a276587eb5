package journal

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMain lets the test binary act as a separate writer process.
func TestMain(m *testing.M) {
	if path := os.Getenv("JOURNAL_TEST_WRITER"); path != "" {
		os.Exit(writerProcess(path))
	}
	os.Exit(m.Run())
}

// writerProcess appends JOURNAL_TEST_COUNT notes, one transaction each, as a
// hook or `analyst note` would.
func writerProcess(path string) int {
	ctx := context.Background()
	n, _ := strconv.Atoi(os.Getenv("JOURNAL_TEST_COUNT"))
	if start := os.Getenv("JOURNAL_TEST_START"); start != "" {
		// Wait for the go, so that every writer opens at the same moment.
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
			if _, err := os.Stat(start); err == nil || time.Now().After(deadline) {
				break
			}
		}
	}
	s, err := Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer s.Close()
	for i := range n {
		e := NewNote(fmt.Sprintf("note %d from %d", i, os.Getpid()), "", time.Now(), nil, "", "")
		if _, err := s.Add(ctx, e); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestAddIsIdempotent(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	c := Entry{ID: "1111111111111111111111111111111111111111", Kind: KindCommit, Time: time.Unix(1700000000, 0), Title: "a commit", Repo: "r"}
	n, err := s.Add(ctx, c, c)
	if err != nil || n != 1 {
		t.Fatalf("Add twice in one call = %d, %v; want 1 new", n, err)
	}
	n, err = s.Add(ctx, c)
	if err != nil || n != 0 {
		t.Fatalf("Add again = %d, %v; want 0 new", n, err)
	}
	st, _ := s.Stats(ctx)
	if st.Entries != 1 {
		t.Fatalf("entries = %d, want 1", st.Entries)
	}
	// Notes with the same text are separate entries.
	a := NewNote("same text", "", time.Now(), nil, "", "")
	b := NewNote("same text", "", time.Now(), nil, "", "")
	if n, err := s.Add(ctx, a, b); err != nil || n != 2 {
		t.Fatalf("two notes with the same text: %d, %v; want 2", n, err)
	}
}

// Add numbers the entries it wrote and zeroes the Seq of those it skipped;
// IDsAfter lists what came after a seq in List's oldest-first order.
func TestAddSetsSeqAndIDsAfter(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	at := time.Unix(1700000000, 0)
	mk := func(id string, hours int) Entry {
		return Entry{ID: strings.Repeat(id, 40), Kind: KindCommit, Time: at.Add(time.Duration(hours) * time.Hour), Title: "c " + id}
	}
	if _, err := s.Add(ctx, mk("a", 5)); err != nil {
		t.Fatal(err)
	}
	es := []Entry{mk("b", 9), mk("a", 5), mk("c", 1)}
	es[1].Seq = 77 // a stale number from elsewhere
	if n, err := s.Add(ctx, es...); err != nil || n != 2 {
		t.Fatalf("Add = %d, %v; want 2 new", n, err)
	}
	if es[0].Seq <= 1 || es[1].Seq != 0 || es[2].Seq <= es[0].Seq {
		t.Fatalf("seqs after Add = %d %d %d, want new increasing numbers and 0 for the skipped one", es[0].Seq, es[1].Seq, es[2].Seq)
	}
	var got []string
	err := s.IDsAfter(ctx, 1, func(seq int64, id string) error {
		got = append(got, fmt.Sprintf("%d:%c", seq, id[0]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	if err := s.List(ctx, Filter{AfterSeq: 1, Oldest: true}, func(e Entry) error {
		want = append(want, fmt.Sprintf("%d:%c", e.Seq, e.ID[0]))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	order := fmt.Sprintf("%d:c %d:b", es[2].Seq, es[0].Seq) // by time
	if strings.Join(got, " ") != order || strings.Join(want, " ") != order {
		t.Fatalf("IDsAfter = %v, List = %v; want both [%s]", got, want, order)
	}
}

func TestGetByPrefix(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	for _, id := range []string{"abc1000000000000000000000000000000000000", "abc2000000000000000000000000000000000000", "def0000000000000000000000000000000000000"} {
		if _, err := s.Add(ctx, Entry{ID: id, Kind: KindCommit, Time: time.Now(), Title: id[:4]}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		prefix string
		want   string
		err    error
	}{
		{"abc1", "abc1000000000000000000000000000000000000", nil},
		{"ABC2", "abc2000000000000000000000000000000000000", nil},
		{"def", "def0000000000000000000000000000000000000", nil},
		{"abc", "", ErrAmbiguous},
		{"fff", "", ErrNotFound},
		{"", "", ErrNotFound},
	}
	for _, tt := range tests {
		e, err := s.Get(ctx, tt.prefix)
		if !errors.Is(err, tt.err) || e.ID != tt.want {
			t.Errorf("Get(%q) = %q, %v; want %q, %v", tt.prefix, e.ID, err, tt.want, tt.err)
		}
	}
}

func TestRoundTripAndList(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	in := Entry{ID: "2222222222222222222222222222222222222222", Kind: KindCommit, Time: t0, Repo: "shop",
		Ref: "2222222222222222222222222222222222222222", Title: "Speed up writes", Body: "for performance",
		Author: "Dana <d@x>", Paths: []string{"config/production.env"}, Diff: "+w=0\n",
		Meta: Meta{Added: 1, Files: 1, Origin: "/r/.git", Source: "index"}}
	note := NewNote("decided to raise the pool\nbecause of load", "decision", t0.Add(time.Hour), []string{"db"}, "shop", "")
	if _, err := s.Add(ctx, in, note); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != in.Title || got.Body != in.Body || got.Diff != in.Diff || !got.Time.Equal(t0) ||
		len(got.Paths) != 1 || got.Meta.Origin != "/r/.git" || got.Seq == 0 {
		t.Errorf("round trip lost data: %+v", got)
	}
	n, _ := s.Get(ctx, note.ID)
	if n.Title != "decided to raise the pool" || n.Body != "because of load" || n.Kind != "decision" || n.Tags[0] != "db" {
		t.Errorf("note = %+v", n)
	}
	var order []string
	s.List(ctx, Filter{}, func(e Entry) error { order = append(order, e.Kind); return nil })
	if len(order) != 2 || order[0] != "decision" {
		t.Errorf("List order = %v, want newest first", order)
	}
	var kinds []string
	s.List(ctx, Filter{Kind: KindCommit, Since: t0}, func(e Entry) error { kinds = append(kinds, e.Kind); return nil })
	if len(kinds) != 1 {
		t.Errorf("List(kind=commit) = %v", kinds)
	}
	var before []string
	s.List(ctx, Filter{Before: t0.Add(time.Minute)}, func(e Entry) error { before = append(before, e.ID); return nil })
	if len(before) != 1 || before[0] != in.ID {
		t.Errorf("List(before) = %v", before)
	}
}

func TestNoteMasksSecrets(t *testing.T) {
	e := NewNote("moved orders to mongodb://app:hunter2hunter2@db/shop?w=0&journal=false", "", time.Now(), nil, "", "")
	if want := "moved orders to mongodb://app:***@db/shop?w=0&journal=false"; e.Title != want {
		t.Errorf("title = %q, want %q", e.Title, want)
	}
	if len(e.Masked) == 0 {
		t.Error("Masked does not say what was masked")
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(context.Background(), path); !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("Open of a newer journal = %v, want ErrNewerSchema", err)
	}
}

func TestFilePermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "home")
	s, err := Open(context.Background(), filepath.Join(dir, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, "journal.db"): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s mode = %o, want %o", path, got, want)
		}
	}
}

// runWriters starts procs writer processes (see writerProcess) that each
// add each notes to the journal at path, and waits for them. With start
// set, they all wait for that file to appear, which runWriters creates once
// every process is running, so that they open the journal at one moment.
// It fails t for every writer that failed.
func runWriters(t *testing.T, path string, procs, each int, start string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, procs)
	for range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "JOURNAL_TEST_WRITER="+path, "JOURNAL_TEST_COUNT="+strconv.Itoa(each))
		if start != "" {
			cmd.Env = append(cmd.Env, "JOURNAL_TEST_START="+start)
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			if err := cmd.Wait(); err != nil {
				errs <- fmt.Errorf("writer: %v: %s", err, out.String())
			}
		})
	}
	if start != "" {
		if err := os.WriteFile(start, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestConcurrentWriterProcesses runs separate processes appending notes to
// one journal at once: none may be lost or fail.
func TestConcurrentWriterProcesses(t *testing.T) {
	const procs, each = 4, 100
	path := filepath.Join(t.TempDir(), "journal.db")
	runWriters(t, path, procs, each, "")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := s.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Entries != procs*each {
		t.Fatalf("journal holds %d notes, want %d", st.Entries, procs*each)
	}
	ids := map[string]bool{}
	s.List(context.Background(), Filter{}, func(e Entry) error { ids[e.ID] = true; return nil })
	if len(ids) != procs*each {
		t.Fatalf("%d distinct ids, want %d", len(ids), procs*each)
	}
}

// TestConcurrentFirstOpen starts many processes at the same moment on a
// journal that does not exist yet, as hooks of several repositories may on
// a fresh machine: each must create or open it and add its note. Without
// waiting out the busy journal, four runs in six failed.
func TestConcurrentFirstOpen(t *testing.T) {
	const rounds, procs = 30, 16
	for r := range rounds {
		dir := t.TempDir()
		path := filepath.Join(dir, "home", "journal.db")
		runWriters(t, path, procs, 1, filepath.Join(dir, "go"))
		s, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		st, err := s.Stats(context.Background())
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		if st.Entries != procs {
			t.Fatalf("round %d: journal holds %d notes, want %d", r, st.Entries, procs)
		}
	}
}

func TestEnrichments(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	made := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	put := func(id, model, text string, hash uint64) {
		t.Helper()
		if err := s.PutEnrichment(ctx, Enrichment{EntryID: id, Model: model, Hash: hash, Made: made, Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	put("a", "m1", "first", 1)
	put("b", "m1", "other", 2)
	put("a", "m2", "second model", 1)
	put("a", "m1", "redone", 3) // replaces a/m1 with a newer sequence number

	var seen []string
	s.Enrichments(ctx, 0, func(en Enrichment) error {
		seen = append(seen, en.EntryID+"/"+en.Model+"="+en.Text)
		return nil
	})
	if want := []string{"b/m1=other", "a/m2=second model", "a/m1=redone"}; !slices.Equal(seen, want) {
		t.Errorf("enrichments in order = %v, want %v", seen, want)
	}
	max, _ := s.MaxEnrichmentSeq(ctx)
	seen = nil
	s.Enrichments(ctx, max-1, func(en Enrichment) error { seen = append(seen, en.Text); return nil })
	if !slices.Equal(seen, []string{"redone"}) {
		t.Errorf("enrichments after %d = %v", max-1, seen)
	}
	of, _ := s.EnrichmentsOf(ctx, "a")
	if len(of) != 2 || !of[0].Made.Equal(made) {
		t.Errorf("EnrichmentsOf(a) = %+v", of)
	}
	hashes, _ := s.EnrichmentHashes(ctx, "m1")
	if hashes["a"] != 3 || hashes["b"] != 2 || len(hashes) != 2 {
		t.Errorf("hashes = %v", hashes)
	}
}

func TestSchemaOneUpgrades(t *testing.T) {
	// A journal written with schema 1 (before enrichments) opens, keeps its
	// entries and gains the enrichments table.
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "journal.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(ctx, Entry{ID: "n0000000000000001", Kind: KindNote, Time: time.Now(), Title: "kept"}); err != nil {
		t.Fatal(err)
	}
	s.db.Exec("DROP TABLE enrichments")
	s.db.Exec("PRAGMA user_version = 1")
	s.Close()

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if e, err := s.Get(ctx, "n0000000000000001"); err != nil || e.Title != "kept" {
		t.Fatalf("entry after upgrade: %+v, %v", e, err)
	}
	if err := s.PutEnrichment(ctx, Enrichment{EntryID: "n0000000000000001", Model: "m", Made: time.Now(), Text: "x"}); err != nil {
		t.Errorf("enrichments after upgrade: %v", err)
	}
	var v int
	s.db.QueryRow("PRAGMA user_version").Scan(&v)
	if v != SchemaVersion {
		t.Errorf("user_version = %d", v)
	}
}
