package journal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// SchemaVersion is the version of the journal's on-disk layout. A journal
// written by a newer version is refused rather than misread. Version 5 added
// the index by kind, which finds deploys without reading every entry, and
// the table of watched files.
const SchemaVersion = 5

// ErrNotFound is returned by Get when no entry has the given id or prefix.
var ErrNotFound = errors.New("no such entry")

// ErrAmbiguous is returned by Get when an id prefix names several entries.
var ErrAmbiguous = errors.New("ambiguous id prefix")

// ErrNewerSchema is returned by Open for a journal from a newer analyst.
var ErrNewerSchema = errors.New("journal written by a newer analyst")

// Store is the journal on disk: one SQLite database in WAL mode. Any number of
// processes may open it at once; writers take turns (busy timeout), readers
// never block. An entry is durable once Add returns: a killed process leaves
// the journal readable with every acknowledged entry. (Power loss may lose the
// last transactions: the database syncs at checkpoints, not at every commit.)
type Store struct {
	db   *sql.DB
	path string
}

const schema = `
CREATE TABLE IF NOT EXISTS entries (
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
CREATE INDEX IF NOT EXISTS entries_unreachable ON entries(unreachable) WHERE unreachable != 0;
CREATE INDEX IF NOT EXISTS entries_time ON entries(time);
CREATE INDEX IF NOT EXISTS entries_repo ON entries(repo, time);
CREATE INDEX IF NOT EXISTS entries_kind ON entries(kind, time);
CREATE TABLE IF NOT EXISTS enrichments (
	seq      INTEGER PRIMARY KEY AUTOINCREMENT,
	entry_id TEXT NOT NULL,
	model    TEXT NOT NULL,
	hash     TEXT NOT NULL,
	made     INTEGER NOT NULL,
	text     TEXT NOT NULL,
	UNIQUE (entry_id, model)
);
CREATE TABLE IF NOT EXISTS meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS forgotten (
	hash   TEXT PRIMARY KEY,
	forgot INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS repos (
	path     TEXT PRIMARY KEY,
	name     TEXT NOT NULL,
	added    INTEGER NOT NULL,
	indexed  INTEGER NOT NULL DEFAULT 0,
	head     TEXT NOT NULL DEFAULT '',
	all_refs INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS marks (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	entry_id TEXT NOT NULL,
	verdict  TEXT NOT NULL,
	incident TEXT NOT NULL,
	made     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS marks_entry ON marks(entry_id);
CREATE TABLE IF NOT EXISTS watched (
	path    TEXT PRIMARY KEY,
	seen    INTEGER NOT NULL,
	state   TEXT NOT NULL
);
`

// Open opens (creating if needed) the journal database at path. The file is
// created 0600 in a 0700 directory.
func Open(ctx context.Context, path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating journal directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening journal: %w", err)
	}
	f.Close()
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(30000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	// Deleted and rewritten text is overwritten with zeros, not left in
	// free space: forgetting and re-masking rely on it (see scrub).
	q.Add("_pragma", "secure_delete(ON)")
	// VACUUM's temporary copy of the journal stays in memory, not in a
	// file of the system's temporary directory.
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("opening journal: %w", err)
	}
	s := &Store{db: db, path: path}
	if err := s.migrateWaiting(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.remask(ctx); err != nil {
		db.Close()
		return nil, err
	}
	// A forget or re-masking whose scrub was kept from finishing (another
	// process reading at the time) finishes now, if it can at once.
	if err := s.scrubPending(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// migrateWaiting is migrate, tried again while the journal is busy. A
// connection's first statement can meet SQLITE_BUSY at once, without the
// busy timeout, while another process is creating the journal or switching
// it to WAL mode; a new connection a moment later finds it done.
func (s *Store) migrateWaiting(ctx context.Context) error {
	deadline := time.Now().Add(busyTimeout)
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 200*time.Millisecond) {
		err := s.migrate(ctx)
		if err == nil || !isBusy(err) || time.Now().Add(delay).After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}

func (s *Store) migrate(ctx context.Context) error {
	var v int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("reading journal %s: %w", s.path, err)
	}
	switch {
	case v == SchemaVersion:
		return nil
	case v > SchemaVersion:
		return fmt.Errorf("%w (schema %d, this one reads up to %d)", ErrNewerSchema, v, SchemaVersion)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("preparing journal: %w", err)
	}
	defer tx.Rollback()
	// Another process may have migrated while we waited for the lock.
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("reading journal: %w", err)
	}
	if v >= SchemaVersion {
		return nil
	}
	if _, err := tx.ExecContext(ctx, schema); err != nil {
		return fmt.Errorf("creating journal: %w", err)
	}
	if v == 0 {
		// A new journal: nothing was masked by an earlier redactor.
		if err := setMeta(ctx, tx, metaRedactor, int64(redactorVersion)); err != nil {
			return fmt.Errorf("creating journal: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion)); err != nil {
		return fmt.Errorf("creating journal: %w", err)
	}
	return tx.Commit()
}

// Add stores entries that are not yet in the journal, in one transaction, and
// returns how many were new. An entry whose id is already stored is skipped,
// so capturing the same history twice adds nothing; so is one whose id was
// forgotten (see Forget). Every entry is masked (Entry.Redact) before it is
// written, whoever built it. Add sets the Seq of each entry it wrote, and
// zeroes it on the ones it skipped, so a caller knows which of its entries
// the journal now holds exactly as given.
func (s *Store) Add(ctx context.Context, entries ...Entry) (int, error) {
	if len(entries) == 0 {
		return 0, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("writing journal: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO entries
		(id, kind, time, recorded, repo, ref, title, body, author, paths, diff, tags, masked, meta)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return 0, fmt.Errorf("writing journal: %w", err)
	}
	defer stmt.Close()
	forgotten, err := forgottenIn(ctx, tx, entryIDs(entries))
	if err != nil {
		return 0, fmt.Errorf("writing journal: %w", err)
	}
	added := 0
	for i := range entries {
		e := &entries[i]
		if e.ID == "" {
			return 0, fmt.Errorf("writing journal: entry %q has no id", e.Title)
		}
		e.Seq = 0
		if forgotten[e.ID] {
			continue
		}
		e.Redact()
		if e.Recorded.IsZero() {
			e.Recorded = time.Now().UTC()
		}
		res, err := stmt.ExecContext(ctx, e.ID, e.Kind, e.Time.Unix(), e.Recorded.UnixMilli(), e.Repo, e.Ref,
			e.Title, e.Body, e.Author, jsonText(e.Paths, "[]"), e.Diff, jsonText(e.Tags, "[]"),
			jsonText(e.Masked, "[]"), jsonText(e.Meta, "{}"))
		if err != nil {
			return 0, fmt.Errorf("writing journal: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			added++
			if e.Seq, err = res.LastInsertId(); err != nil {
				return 0, fmt.Errorf("writing journal: %w", err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("writing journal: %w", err)
	}
	return added, nil
}

func jsonText(v any, empty string) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return empty
	}
	return string(b)
}

const entryColumns = `seq, id, kind, time, recorded, repo, ref, title, body, author, paths, diff, tags, masked, meta, unreachable`

func scanEntry(sc interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var t, rec, unreachable int64
	var paths, tags, masked, meta string
	err := sc.Scan(&e.Seq, &e.ID, &e.Kind, &t, &rec, &e.Repo, &e.Ref, &e.Title, &e.Body, &e.Author,
		&paths, &e.Diff, &tags, &masked, &meta, &unreachable)
	if err != nil {
		return e, err
	}
	if unreachable != 0 {
		e.Unreachable = time.Unix(unreachable, 0).UTC()
	}
	e.Time = time.Unix(t, 0).UTC()
	e.Recorded = time.UnixMilli(rec).UTC()
	for _, f := range []struct {
		src string
		dst any
	}{{paths, &e.Paths}, {tags, &e.Tags}, {masked, &e.Masked}, {meta, &e.Meta}} {
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return e, fmt.Errorf("entry %s: %w", e.ID, err)
		}
	}
	return e, nil
}

// Get returns the entry whose id is id or starts with it.
func (s *Store) Get(ctx context.Context, id string) (Entry, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	if id == "" {
		return Entry{}, ErrNotFound
	}
	// Prefix search on the unique index: id >= prefix AND id < prefix+max.
	rows, err := s.db.QueryContext(ctx, `SELECT `+entryColumns+` FROM entries
		WHERE id >= ? AND id < ? ORDER BY id LIMIT 2`, id, id+"\U0010FFFF")
	if err != nil {
		return Entry{}, fmt.Errorf("reading journal: %w", err)
	}
	defer rows.Close()
	var found []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return Entry{}, fmt.Errorf("reading journal: %w", err)
		}
		if e.ID == id {
			return e, nil
		}
		found = append(found, e)
	}
	if err := rows.Err(); err != nil {
		return Entry{}, fmt.Errorf("reading journal: %w", err)
	}
	switch len(found) {
	case 0:
		return Entry{}, ErrNotFound
	case 1:
		return found[0], nil
	}
	return Entry{}, ErrAmbiguous
}

// Filter narrows List. Zero values mean no restriction.
type Filter struct {
	Since, Before time.Time // Time >= Since, Time < Before
	Kind          string
	Repo          string
	AfterSeq      int64 // Seq > AfterSeq
	Limit         int
	Oldest        bool // oldest first (default newest first)
	// NoDiff leaves Diff empty, for listings that do not need it.
	NoDiff bool
}

// List calls fn for each entry matching f, newest first unless f.Oldest.
// Returning an error from fn stops the listing and is returned.
func (s *Store) List(ctx context.Context, f Filter, fn func(Entry) error) error {
	var where []string
	var args []any
	if !f.Since.IsZero() {
		where = append(where, "time >= ?")
		args = append(args, f.Since.Unix())
	}
	if !f.Before.IsZero() {
		where = append(where, "time < ?")
		args = append(args, f.Before.Unix())
	}
	if f.Kind != "" {
		where = append(where, "kind = ?")
		args = append(args, f.Kind)
	}
	if f.Repo != "" {
		where = append(where, "repo = ?")
		args = append(args, f.Repo)
	}
	if f.AfterSeq > 0 {
		where = append(where, "seq > ?")
		args = append(args, f.AfterSeq)
	}
	cols := entryColumns
	if f.NoDiff {
		cols = strings.Replace(cols, "diff,", "'' AS diff,", 1)
	}
	q := "SELECT " + cols + " FROM entries"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if f.Oldest {
		q += " ORDER BY time, seq"
	} else {
		q += " ORDER BY time DESC, seq DESC"
	}
	if f.AfterSeq > 0 && !f.Oldest {
		q = strings.Replace(q, "ORDER BY time DESC, seq DESC", "ORDER BY seq", 1)
	}
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("reading journal: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return fmt.Errorf("reading journal: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading journal: %w", err)
	}
	return nil
}

// IDsAfter calls fn with the seq and id of each entry after seq, in the
// order of List with Oldest (by time, then seq): the cheap way to learn what
// was recorded since.
func (s *Store) IDsAfter(ctx context.Context, seq int64, fn func(seq int64, id string) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, id FROM entries WHERE seq > ? ORDER BY time, seq`, seq)
	if err != nil {
		return fmt.Errorf("reading journal: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n int64
		var id string
		if err := rows.Scan(&n, &id); err != nil {
			return fmt.Errorf("reading journal: %w", err)
		}
		if err := fn(n, id); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading journal: %w", err)
	}
	return nil
}

// Stats describes the journal in numbers.
type Stats struct {
	Entries int64
	MaxSeq  int64
}

// Stats counts entries and returns the highest sequence number.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	err := s.db.QueryRowContext(ctx, "SELECT count(*), coalesce(max(seq), 0) FROM entries").Scan(&st.Entries, &st.MaxSeq)
	if err != nil {
		return st, fmt.Errorf("reading journal: %w", err)
	}
	return st, nil
}

// Known returns which of ids are already stored, or were forgotten: either
// way, capture has nothing to add for them.
func (s *Store) Known(ctx context.Context, ids []string) (map[string]bool, error) {
	known := make(map[string]bool, len(ids))
	const batch = 500
	for start := 0; start < len(ids); start += batch {
		part := ids[start:min(start+batch, len(ids))]
		q := "SELECT id FROM entries WHERE id IN (?" + strings.Repeat(",?", len(part)-1) + ")"
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("reading journal: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("reading journal: %w", err)
			}
			known[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("reading journal: %w", err)
		}
	}
	forgotten, err := forgottenIn(ctx, s.db, ids)
	if err != nil {
		return nil, fmt.Errorf("reading journal: %w", err)
	}
	for id := range forgotten {
		known[id] = true
	}
	return known, nil
}

// Unreachable returns the commits marked unreachable and when they were found
// so.
func (s *Store) Unreachable(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, unreachable FROM entries WHERE unreachable != 0`)
	if err != nil {
		return nil, fmt.Errorf("reading journal: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id string
		var at int64
		if err := rows.Scan(&id, &at); err != nil {
			return nil, fmt.Errorf("reading journal: %w", err)
		}
		out[id] = time.Unix(at, 0).UTC()
	}
	return out, rows.Err()
}

// Repo is a repository the journal knows and refreshes.
type Repo struct {
	Path    string // absolute git directory
	Name    string
	Added   time.Time
	Indexed time.Time
	Head    string
	AllRefs bool
}

// SaveRepo records (or updates) a repository the journal follows.
func (s *Store) SaveRepo(ctx context.Context, r Repo) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO repos (path, name, added, indexed, head, all_refs)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT(path) DO UPDATE SET name = excluded.name, indexed = excluded.indexed,
			head = excluded.head, all_refs = excluded.all_refs`,
		r.Path, r.Name, r.Added.Unix(), r.Indexed.Unix(), r.Head, boolInt(r.AllRefs))
	if err != nil {
		return fmt.Errorf("recording repository: %w", err)
	}
	return nil
}

// Repos lists the repositories the journal follows.
func (s *Store) Repos(ctx context.Context) ([]Repo, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT path, name, added, indexed, head, all_refs FROM repos ORDER BY name, path")
	if err != nil {
		return nil, fmt.Errorf("reading journal: %w", err)
	}
	defer rows.Close()
	var out []Repo
	for rows.Next() {
		var r Repo
		var added, indexed int64
		var all int
		if err := rows.Scan(&r.Path, &r.Name, &added, &indexed, &r.Head, &all); err != nil {
			return nil, fmt.Errorf("reading journal: %w", err)
		}
		r.Added, r.Indexed, r.AllRefs = time.Unix(added, 0).UTC(), time.Unix(indexed, 0).UTC(), all != 0
		out = append(out, r)
	}
	return out, rows.Err()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CommitOrigins returns, for commits read from the git directory origin, their
// ids and whether each is currently marked unreachable.
func (s *Store) CommitOrigins(ctx context.Context, origin string) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, unreachable != 0
		FROM entries WHERE kind = 'commit' AND json_extract(meta, '$.origin') = ?`, origin)
	if err != nil {
		return nil, fmt.Errorf("reading journal: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		var unreachable bool
		if err := rows.Scan(&id, &unreachable); err != nil {
			return nil, fmt.Errorf("reading journal: %w", err)
		}
		out[id] = unreachable
	}
	return out, rows.Err()
}

// SetUnreachable marks commits as no longer reachable from their origin's
// refs (at is when this was found), or live again with a zero at. It is the
// one change made to a stored entry: a mark about the entry, never its text.
func (s *Store) SetUnreachable(ctx context.Context, ids []string, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("writing journal: %w", err)
	}
	defer tx.Rollback()
	for _, id := range ids {
		var unix int64
		if !at.IsZero() {
			unix = at.Unix()
		}
		if _, err := tx.ExecContext(ctx, `UPDATE entries SET unreachable = ? WHERE id = ?`, unix, id); err != nil {
			return fmt.Errorf("writing journal: %w", err)
		}
	}
	return tx.Commit()
}
