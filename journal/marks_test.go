package journal

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSchema3JournalUpgradesInPlace: a journal written before marks existed
// (schema 3: no marks table) opens, keeps its entries, is upgraded to the
// current schema and then keeps marks.
func TestSchema3JournalUpgradesInPlace(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "journal.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	// Schema 3 is today's schema without the marks table.
	v3, _, ok := strings.Cut(schema, "CREATE TABLE IF NOT EXISTS marks")
	if !ok {
		t.Fatal("schema has no marks table")
	}
	for _, q := range []string{v3,
		`INSERT INTO meta (key, value) VALUES ('redactor', '` + strconv.Itoa(redactorVersion) + `')`,
		`INSERT INTO entries (id, kind, time, recorded, title) VALUES ('n00000000000000a1', 'note', 1700000000, 1700000000000, 'raise the pool')`,
		`PRAGMA user_version = 3`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("writing a schema-3 journal: %v", err)
		}
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("opening a schema-3 journal: %v", err)
	}
	defer s.Close()
	var v int
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != SchemaVersion {
		t.Fatalf("user_version %d (%v), want %d", v, err, SchemaVersion)
	}
	if e, err := s.Get(ctx, "n00000000000000a1"); err != nil || e.Title != "raise the pool" {
		t.Fatalf("the entry did not survive the upgrade: %+v, %v", e, err)
	}
	made := time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)
	m, err := s.AddMark(ctx, Mark{EntryID: "n00000000000000a1", Verdict: VerdictCause,
		Incident: "checkout times out, db at postgres://app:hunter2@db/shop", Made: made})
	if err != nil {
		t.Fatal(err)
	}
	if m.ID == 0 {
		t.Error("the mark got no id")
	}
	got, err := s.MarksOf(ctx, "n00000000000000a1")
	if err != nil || len(got) != 1 {
		t.Fatalf("marks of the entry: %+v, %v", got, err)
	}
	if strings.Contains(got[0].Incident, "hunter2") || !got[0].Made.Equal(made) || got[0].Verdict != VerdictCause {
		t.Errorf("stored mark: %+v (the password must be masked)", got[0])
	}
	if before, _ := s.Marks(ctx, made); len(before) != 0 {
		t.Errorf("Marks before the mark's own time: %+v", before)
	}
	if after, _ := s.Marks(ctx, made.Add(time.Second)); len(after) != 1 {
		t.Errorf("Marks after the mark: %+v", after)
	}
}

// TestMarkUnknownEntryChangesNothing: a mark of an id the journal does not
// hold is refused and stores nothing.
func TestMarkUnknownEntryChangesNothing(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	_, err := s.AddMark(ctx, Mark{EntryID: "nffffffffffffffff", Verdict: VerdictCause, Incident: "x", Made: time.Now()})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("AddMark of an unknown id: %v, want ErrNotFound", err)
	}
	if all, _ := s.Marks(ctx, time.Time{}); len(all) != 0 {
		t.Errorf("marks stored: %+v", all)
	}
}

// TestForgetRemovesMarks: forgetting an entry forgets its marks.
func TestForgetRemovesMarks(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	keep := NewNote("keep me", "", time.Unix(1700000000, 0), nil, "", "")
	gone := NewNote("forget me", "", time.Unix(1700000100, 0), nil, "", "")
	if _, err := s.Add(ctx, keep, gone); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{keep.ID, gone.ID} {
		if _, err := s.AddMark(ctx, Mark{EntryID: id, Verdict: VerdictNot, Incident: "slow pages", Made: time.Unix(1700000200, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Forget(ctx, Selection{IDs: []string{gone.ID}}); err != nil {
		t.Fatal(err)
	}
	all, err := s.Marks(ctx, time.Time{})
	if err != nil || len(all) != 1 || all[0].EntryID != keep.ID {
		t.Errorf("marks after forgetting one entry: %+v, %v", all, err)
	}
}
