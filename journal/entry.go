// Package journal owns the record of changes: the Entry type, the store that
// keeps entries durable across processes, and capture of entries from git
// histories and hand-written notes.
//
// The journal is the source of truth. An entry is never edited in place; its
// id follows from its origin (a commit's sha, a fresh random id for a note),
// never from its text, so re-capturing the same history adds nothing and later
// redaction rules keep ids stable. Secrets are masked before an entry is
// written (see package journal/redact).
package journal

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"github.com/analyst-dev/analyst/journal/redact"
)

// Kinds of entries. Notes may carry any free label as their kind; these are
// the ones the program itself produces.
const (
	KindCommit = "commit"
	KindNote   = "note"
)

// Entry is one recorded change.
type Entry struct {
	// ID is stable: a commit's full sha, or "n" followed by 16 hex digits for
	// anything recorded by hand.
	ID string `json:"id"`
	// Seq is the journal's own order of recording, assigned by the store.
	Seq  int64  `json:"seq,omitempty"`
	Kind string `json:"kind"`
	// Time is when the change happened: a commit's committer time, a note's
	// --at (default: when it was recorded).
	Time time.Time `json:"time"`
	// Recorded is when the journal learnt of the change.
	Recorded time.Time `json:"recorded"`
	Repo     string    `json:"repo"`
	// Ref is a commit's full sha, or a ref given with a note; empty otherwise.
	Ref    string   `json:"ref"`
	Title  string   `json:"title"`
	Body   string   `json:"body,omitempty"`
	Author string   `json:"author,omitempty"`
	Paths  []string `json:"paths,omitempty"`
	// Diff is the unified diff, bounded: see CommitLimits.
	Diff string   `json:"diff,omitempty"`
	Tags []string `json:"tags,omitempty"`
	// Masked says what redaction removed before the entry was stored.
	Masked []redact.Finding `json:"masked,omitempty"`
	Meta   Meta             `json:"meta,omitzero"`
	// Unreachable is set when a commit recorded earlier is no longer reachable
	// from any ref of its origin (amended, rebased away): the time it was
	// found so. Zero means live. It is a mark about the entry, kept apart
	// from its text.
	Unreachable time.Time `json:"unreachable,omitzero"`
	// Enrichment, when set by a reader that asked for it, is derived data
	// about the entry (see Enrichment); the store never fills it in itself.
	Enrichment *Enrichment `json:"-"`
}

// Meta holds what capture learnt about an entry besides its text.
type Meta struct {
	// Reverts is the sha a revert commit says it reverts.
	Reverts string `json:"reverts,omitempty"`
	// Added and Deleted count diff lines over the whole commit, also when the
	// stored diff was cut.
	Added   int `json:"added,omitempty"`
	Deleted int `json:"deleted,omitempty"`
	// Files is the number of changed files, also when Paths was cut.
	Files int `json:"files,omitempty"`
	// DiffCut says the stored diff is shorter than the real one.
	DiffCut bool `json:"diff_cut,omitempty"`
	// Binary lists changed files git reports as binary.
	Binary []string `json:"binary,omitempty"`
	// Root is set on a commit without parents: the start of a history (an
	// initial commit, an import of a project).
	Root bool `json:"root,omitempty"`
	// Source says how the entry arrived: "index", "hook", "note".
	Source string `json:"source,omitempty"`
	// Origin is the git directory a commit was read from.
	Origin string `json:"origin,omitempty"`
	// Undo says how to take a change made outside git back: the previous
	// values of the changed keys, or the file's previous content. Masked
	// like the entry's text.
	Undo string `json:"undo,omitempty"`
	// Exit is a shell command's exit status, and Dir the directory it ran
	// in (entries of kind "shell").
	Exit *int   `json:"exit,omitempty"`
	Dir  string `json:"dir,omitempty"`
}

// IsZero reports whether m carries nothing.
func (m Meta) IsZero() bool {
	return m.Reverts == "" && m.Added == 0 && m.Deleted == 0 && m.Files == 0 && !m.DiffCut &&
		len(m.Binary) == 0 && m.Source == "" && m.Origin == "" && !m.Root && m.Undo == "" &&
		m.Exit == nil && m.Dir == ""
}

// LiveAt reports whether the entry counts as a live change at time t: commits
// found unreachable before t do not.
func (e *Entry) LiveAt(t time.Time) bool {
	return e.Unreachable.IsZero() || !e.Unreachable.Before(t)
}

// NewNoteID returns a fresh id for a hand-recorded entry. Note ids start with
// "n", which no commit sha does.
func NewNoteID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return "n" + hex.EncodeToString(b[:])
}

// NewNote builds a note entry from free text: the first line is its title,
// the rest its body. Secrets are masked. An empty kind means KindNote.
func NewNote(text, kind string, at time.Time, tags []string, repo, ref string) Entry {
	if kind == "" {
		kind = KindNote
	}
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	title, body, _ := strings.Cut(text, "\n")
	e := Entry{
		ID:       NewNoteID(),
		Kind:     kind,
		Time:     at.UTC().Truncate(time.Second),
		Recorded: time.Now().UTC(),
		Repo:     repo,
		Ref:      ref,
		Title:    strings.TrimSpace(title),
		Body:     strings.TrimSpace(body),
		Tags:     tags,
		Meta:     Meta{Source: "note"},
	}
	e.Redact()
	return e
}

// Redact masks secrets in every free-text field of e and records what it
// masked. It is idempotent.
func (e *Entry) Redact() {
	var all []redact.Finding
	for _, f := range []*string{&e.Title, &e.Body, &e.Diff, &e.Author, &e.Meta.Undo} {
		var found []redact.Finding
		*f, found = redactor(*f)
		all = redact.Merge(all, found)
	}
	for i := range e.Tags {
		var found []redact.Finding
		e.Tags[i], found = redactor(e.Tags[i])
		all = redact.Merge(all, found)
	}
	e.Masked = redact.Merge(e.Masked, all)
}
