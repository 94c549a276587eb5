package journal

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/analyst-dev/analyst/journal/redact"
)

// Secrets of these tests are assembled at run time, so no file holds one.
var (
	testGitHubToken = "ghp_" + strings.Repeat("Zq7", 12)
	testStripeKey   = "sk_live_" + strings.Repeat("Rf9w", 6)
)

// redactorMissingGitHub masks like the real redactor except GitHub tokens:
// a redactor from before that kind was known.
func redactorMissingGitHub(s string) (string, []redact.Finding) {
	if !strings.Contains(s, "ghp_") {
		return redact.String(s)
	}
	const hide = "\x00github\x00"
	var toks []string
	var b strings.Builder
	for i, f := range strings.SplitAfter(s, "ghp_") {
		if i == 0 {
			b.WriteString(f)
			continue
		}
		n := 0
		for n < len(f) && n < 36 && isAlnum(f[n]) {
			n++
		}
		toks = append(toks, f[:n])
		b.WriteString(hide + f[n:])
	}
	out, found := redact.String(b.String())
	for _, t := range toks {
		out = strings.Replace(out, hide, t, 1)
	}
	return out, found
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// filesHolding returns the files under dir whose bytes hold secret, raw or
// JSON-escaped.
func filesHolding(t *testing.T, dir, secret string) []string {
	t.Helper()
	forms := [][]byte{[]byte(secret)}
	if q, _ := json.Marshal(secret); !bytes.Equal(q[1:len(q)-1], []byte(secret)) {
		forms = append(forms, q[1:len(q)-1])
	}
	var hits []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, f := range forms {
			if bytes.Contains(b, f) {
				hits = append(hits, filepath.Base(p))
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hits
}

func TestRemaskWithNewRedactor(t *testing.T) {
	if got, _ := redactorMissingGitHub("A=" + testGitHubToken + " password=hunter22"); got != "A="+testGitHubToken+" password=***" {
		t.Fatalf("weak redactor: %q", got)
	}
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "journal.db")
	restore := SetRedactor(redactorMissingGitHub, redact.Version-1)
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	note := NewNote("rotated "+testGitHubToken+"\nold one was DB_PASSWORD=hunter22", "ops", time.Unix(1700000000, 0), []string{"tok:" + testGitHubToken}, "", "")
	commit := Entry{ID: strings.Repeat("ab", 20), Kind: KindCommit, Time: time.Unix(1700000100, 0), Title: "ci token",
		Diff: "+GH_TOKEN=" + testGitHubToken + "\n+STRIPE=" + testStripeKey + "\n"}
	plain := NewNote("raised worker_connections to 4096", "", time.Unix(1700000200, 0), nil, "", "")
	if _, err := s.Add(ctx, note, commit, plain); err != nil {
		t.Fatal(err)
	}
	if err := s.PutEnrichment(ctx, Enrichment{EntryID: commit.ID, Model: "m", Hash: 1, Made: time.Unix(1700000300, 0),
		Text: "sets the CI token " + testGitHubToken}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddMark(ctx, Mark{EntryID: plain.ID, Verdict: VerdictNot, Incident: "CI fails with " + testGitHubToken,
		Made: time.Unix(1700000400, 0)}); err != nil {
		t.Fatal(err)
	}
	snap := FileState{Path: "/srv/ci.env", Exists: true, Hash: "h1", Size: 60, Content: "GH_TOKEN=" + testGitHubToken + "\n"}
	if ok, err := s.SaveFileState(ctx, FileState{}, false, snap); err != nil || !ok {
		t.Fatalf("saving a snapshot: %v %v", ok, err)
	}
	s.Close()
	restore()
	if len(filesHolding(t, dir, testGitHubToken)) == 0 {
		t.Fatal("the old redactor's journal does not hold the token: the test proves nothing")
	}
	if hits := filesHolding(t, dir, testStripeKey); len(hits) > 0 {
		t.Fatalf("stripe key stored by the old redactor too: %v", hits)
	}

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if hits := filesHolding(t, dir, testGitHubToken); len(hits) > 0 {
		t.Errorf("after re-masking the token is still in %v", hits)
	}
	got, err := s.Get(ctx, note.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "rotated ***" || got.Tags[0] != "tok:***" || got.Body != "old one was DB_PASSWORD=***" {
		t.Errorf("note after re-masking: %q %q %q", got.Title, got.Body, got.Tags)
	}
	want := []redact.Finding{{Kind: "assignment", Count: 1}, {Kind: "github-token", Count: 2}}
	if !slices.Equal(got.Masked, want) {
		t.Errorf("masked %v, want %v", got.Masked, want)
	}
	ens, err := s.EnrichmentsOf(ctx, commit.ID)
	if err != nil || len(ens) != 1 || ens[0].Text != "sets the CI token ***" {
		t.Errorf("enrichment after re-masking: %v %v", ens, err)
	}
	if ms, err := s.MarksOf(ctx, plain.ID); err != nil || len(ms) != 1 || ms[0].Incident != "CI fails with ***" {
		t.Errorf("mark after re-masking: %+v %v", ms, err)
	}
	if st, ok, err := s.FileState(ctx, "/srv/ci.env"); err != nil || !ok || st.Content != "GH_TOKEN=***\n" || st.Hash != "h1" {
		t.Errorf("snapshot after re-masking: %+v %v %v", st, ok, err)
	}
	if p, _ := s.Get(ctx, plain.ID); p.Title != plain.Title || len(p.Masked) != 0 {
		t.Errorf("an entry with nothing to mask changed: %+v", p)
	}
	gen, derived, err := s.Derived(ctx)
	if err != nil || gen != 1 || derived != 0 {
		t.Errorf("Derived = %d, %d, %v; want 1, 0: derived files must be rebuilt", gen, derived, err)
	}

	// Opening again re-masks nothing more.
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if gen, _, _ := s2.Derived(ctx); gen != 1 {
		t.Errorf("second open bumped the generation to %d", gen)
	}
}

func TestNewJournalIsNotRemasked(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	v, err := getMeta(ctx, s.db, metaRedactor)
	if err != nil || v != int64(redact.Version) {
		t.Errorf("a new journal records redactor %d (%v), want %d", v, err, redact.Version)
	}
	if gen, _, _ := s.Derived(ctx); gen != 0 {
		t.Errorf("generation %d", gen)
	}
}

func TestForgetRemovesEveryCopy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "journal.db")
	// A leak: text stored by a redactor that masked nothing.
	restore := SetRedactor(func(s string) (string, []redact.Finding) { return s, nil }, redact.Version)
	defer restore()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	leak := Entry{ID: strings.Repeat("cd", 20), Kind: KindCommit, Time: time.Unix(1700000000, 0), Title: "add stripe",
		Repo: "shop", Diff: "+STRIPE_KEY=" + testStripeKey + "\n"}
	keep := Entry{ID: strings.Repeat("ef", 20), Kind: KindCommit, Time: time.Unix(1700000100, 0), Title: "keep me",
		Repo: "shop", Diff: "+x=1\n"}
	if _, err := s.Add(ctx, leak, keep); err != nil {
		t.Fatal(err)
	}
	s.PutEnrichment(ctx, Enrichment{EntryID: leak.ID, Model: "m", Hash: 1, Made: time.Unix(1700000200, 0), Text: "uses " + testStripeKey})
	if len(filesHolding(t, dir, testStripeKey)) == 0 {
		t.Fatal("the leak is not on disk: the test proves nothing")
	}
	found, err := s.Matching(ctx, testStripeKey)
	if err != nil || len(found) != 1 || found[0].ID != leak.ID {
		t.Fatalf("Matching = %v, %v", found, err)
	}
	st, err := s.Forget(ctx, Selection{IDs: []string{leak.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if st.Entries != 1 || st.Enrichments != 1 || !st.Scrubbed {
		t.Errorf("Forget = %+v", st)
	}
	if hits := filesHolding(t, dir, testStripeKey); len(hits) > 0 {
		t.Errorf("after forgetting, the key is still in %v", hits)
	}
	if hits := filesHolding(t, dir, leak.ID); len(hits) > 0 {
		t.Errorf("the forgotten id is still stored in %v", hits)
	}
	if _, err := s.Get(ctx, keep.ID); err != nil {
		t.Errorf("the other entry: %v", err)
	}
	// Capture does not bring it back.
	known, err := s.Known(ctx, []string{leak.ID, keep.ID, strings.Repeat("01", 20)})
	if err != nil || !known[leak.ID] || !known[keep.ID] || len(known) != 2 {
		t.Errorf("Known = %v, %v", known, err)
	}
	if n, err := s.Add(ctx, leak); n != 0 || err != nil {
		t.Errorf("Add of a forgotten entry added %d (%v)", n, err)
	}
	if _, err := s.Get(ctx, leak.ID); err != ErrNotFound {
		t.Errorf("forgotten entry: %v", err)
	}
}

func TestForgetRepo(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	s.SaveRepo(ctx, Repo{Path: "/src/private/.git", Name: "private", Added: time.Unix(1700000000, 0)})
	s.SaveRepo(ctx, Repo{Path: "/src/shop/.git", Name: "shop", Added: time.Unix(1700000000, 0)})
	a := Entry{ID: strings.Repeat("1a", 20), Kind: KindCommit, Time: time.Unix(1700000000, 0), Title: "secret plan", Repo: "private"}
	b := Entry{ID: strings.Repeat("2b", 20), Kind: KindCommit, Time: time.Unix(1700000000, 0), Title: "public", Repo: "shop"}
	s.Add(ctx, a, b, NewNote("about the private one", "", time.Unix(1700000000, 0), nil, "private", ""))
	entries, repos, err := s.OfRepo(ctx, "private")
	if err != nil || len(entries) != 2 || len(repos) != 1 {
		t.Fatalf("OfRepo = %d entries, %v, %v", len(entries), repos, err)
	}
	st, err := s.Forget(ctx, Selection{IDs: entryIDs(entries), Repo: "private"})
	if err != nil || st.Entries != 2 || st.Repos != 1 {
		t.Fatalf("Forget = %+v, %v", st, err)
	}
	left, _ := s.Repos(ctx)
	if len(left) != 1 || left[0].Name != "shop" {
		t.Errorf("repos left: %v", left)
	}
	if stats, _ := s.Stats(ctx); stats.Entries != 1 {
		t.Errorf("%d entries left", stats.Entries)
	}
}
