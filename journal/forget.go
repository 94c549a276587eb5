package journal

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/analyst-dev/analyst/journal/redact"
)

// What a journal keeps beside its entries so that text once stored can be
// taken back: re-masked when the redactor learns a new kind of secret, or
// removed on request (Forget). Either way no old copy may survive in any
// file: rows are rewritten or deleted with secure_delete on, the write-ahead
// log is checkpointed and truncated, and the database is vacuumed, so that
// neither WAL frames nor free pages keep the old text (see scrub). Files
// derived from the journal (the search index) hold the old text too; the
// journal counts each rewrite in a generation number, and whoever owns
// derived files rebuilds them when they are older than it (see Derived).

// redactor masks one text field, and redactorVersion numbers its rules
// (redact.Version). They are variables so that a test can write a journal
// the way an earlier redactor would have.
var (
	redactor        = redact.String
	redactorVersion = redact.Version
)

// Keys of the meta table, each an integer.
const (
	// metaRedactor is the redact.Version every stored entry is masked with.
	metaRedactor = "redactor"
	// metaGeneration counts the times stored text was rewritten or removed.
	metaGeneration = "generation"
	// metaScrubbed is the generation whose old copies are known gone from
	// the WAL and free pages.
	metaScrubbed = "scrubbed"
	// metaDerived is the generation derived files were last rebuilt for.
	metaDerived = "derived"
)

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func getMeta(ctx context.Context, q queryer, key string) (int64, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}

func setMeta(ctx context.Context, x execer, key string, v int64) error {
	_, err := x.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, strconv.FormatInt(v, 10))
	return err
}

// bumpGeneration records, inside tx, that stored text was rewritten or
// removed.
func bumpGeneration(ctx context.Context, tx *sql.Tx) error {
	g, err := getMeta(ctx, tx, metaGeneration)
	if err != nil {
		return err
	}
	return setMeta(ctx, tx, metaGeneration, g+1)
}

// Derived returns the journal's generation (how many times stored text was
// rewritten or removed) and the generation derived files were last rebuilt
// for. When rebuilt < gen, derived files may hold text the journal no longer
// has: their owner rebuilds them and then calls SetDerived(gen).
func (s *Store) Derived(ctx context.Context) (gen, rebuilt int64, err error) {
	if gen, err = getMeta(ctx, s.db, metaGeneration); err != nil {
		return 0, 0, fmt.Errorf("reading journal: %w", err)
	}
	if rebuilt, err = getMeta(ctx, s.db, metaDerived); err != nil {
		return 0, 0, fmt.Errorf("reading journal: %w", err)
	}
	return gen, rebuilt, nil
}

// SetDerived records that derived files were rebuilt from the journal as it
// was at generation gen. It never moves the mark back.
func (s *Store) SetDerived(ctx context.Context, gen int64) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT(key) DO UPDATE SET value = max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))`,
		metaDerived, strconv.FormatInt(gen, 10))
	if err != nil {
		return fmt.Errorf("writing journal: %w", err)
	}
	return nil
}

// forgetHash is what the journal keeps of a forgotten entry's id: enough to
// refuse the entry when capture meets it again, nothing of its text.
func forgetHash(id string) string {
	sum := sha256.Sum256([]byte("analyst forgotten entry\x00" + id))
	return hex.EncodeToString(sum[:])
}

// forgottenIn returns which of ids were forgotten.
func forgottenIn(ctx context.Context, q queryer, ids []string) (map[string]bool, error) {
	var some bool
	if err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM forgotten)`).Scan(&some); err != nil || !some {
		return nil, err
	}
	out := map[string]bool{}
	const batch = 500
	for start := 0; start < len(ids); start += batch {
		part := ids[start:min(start+batch, len(ids))]
		byHash := make(map[string]string, len(part))
		args := make([]any, len(part))
		for i, id := range part {
			h := forgetHash(id)
			byHash[h] = id
			args[i] = h
		}
		rows, err := q.QueryContext(ctx, "SELECT hash FROM forgotten WHERE hash IN (?"+strings.Repeat(",?", len(part)-1)+")", args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				rows.Close()
				return nil, err
			}
			out[byHash[h]] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func entryIDs(entries []Entry) []string {
	ids := make([]string, len(entries))
	for i := range entries {
		ids[i] = entries[i].ID
	}
	return ids
}

// remask masks again every entry and enrichment stored by an earlier
// redactor, in one transaction, and scrubs the old copies. Entries the new
// rules find nothing more in are left as they are.
func (s *Store) remask(ctx context.Context) error {
	v, err := getMeta(ctx, s.db, metaRedactor)
	if err != nil {
		return fmt.Errorf("reading journal %s: %w", s.path, err)
	}
	if v >= int64(redactorVersion) {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("masking journal: %w", err)
	}
	defer tx.Rollback()
	// Another process may have done it while we waited for the lock.
	if v, err = getMeta(ctx, tx, metaRedactor); err != nil || v >= int64(redactorVersion) {
		return err
	}
	changed, err := remaskEntries(ctx, tx)
	if err != nil {
		return fmt.Errorf("masking journal: %w", err)
	}
	n, err := remaskEnrichments(ctx, tx)
	if err != nil {
		return fmt.Errorf("masking journal: %w", err)
	}
	changed += n
	if n, err = remaskMarksAndSnapshots(ctx, tx); err != nil {
		return fmt.Errorf("masking journal: %w", err)
	}
	changed += n
	if err := setMeta(ctx, tx, metaRedactor, int64(redactorVersion)); err != nil {
		return fmt.Errorf("masking journal: %w", err)
	}
	if changed > 0 {
		if err := bumpGeneration(ctx, tx); err != nil {
			return fmt.Errorf("masking journal: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("masking journal: %w", err)
	}
	if changed > 0 {
		// Not done when another process is reading: the next open retries.
		if _, err := s.scrub(ctx, scrubWaitOpen); err != nil {
			return err
		}
	}
	return nil
}

// remaskBatch bounds how many rows are held in memory at a time.
const remaskBatch = 256

func remaskEntries(ctx context.Context, tx *sql.Tx) (int, error) {
	changed := 0
	var after int64
	for {
		rows, err := tx.QueryContext(ctx, `SELECT seq, title, body, diff, author, tags, masked, meta FROM entries
			WHERE seq > ? ORDER BY seq LIMIT ?`, after, remaskBatch)
		if err != nil {
			return 0, err
		}
		type row struct {
			seq  int64
			e    Entry
			tags string
		}
		var batch []row
		for rows.Next() {
			var r row
			var masked, meta string
			if err := rows.Scan(&r.seq, &r.e.Title, &r.e.Body, &r.e.Diff, &r.e.Author, &r.tags, &masked, &meta); err != nil {
				rows.Close()
				return 0, err
			}
			if err := json.Unmarshal([]byte(r.tags), &r.e.Tags); err != nil {
				rows.Close()
				return 0, fmt.Errorf("entry %d: %w", r.seq, err)
			}
			if err := json.Unmarshal([]byte(masked), &r.e.Masked); err != nil {
				rows.Close()
				return 0, fmt.Errorf("entry %d: %w", r.seq, err)
			}
			if err := json.Unmarshal([]byte(meta), &r.e.Meta); err != nil {
				rows.Close()
				return 0, fmt.Errorf("entry %d: %w", r.seq, err)
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
		if len(batch) == 0 {
			return changed, nil
		}
		for _, r := range batch {
			after = r.seq
			was := slices.Clone(r.e.Masked)
			r.e.Redact()
			if slices.Equal(was, r.e.Masked) {
				continue // the new rules find nothing more
			}
			_, err := tx.ExecContext(ctx, `UPDATE entries SET title = ?, body = ?, diff = ?, author = ?, tags = ?, masked = ?, meta = ?
				WHERE seq = ?`, r.e.Title, r.e.Body, r.e.Diff, r.e.Author, jsonText(r.e.Tags, "[]"), jsonText(r.e.Masked, "[]"),
				jsonText(r.e.Meta, "{}"), r.seq)
			if err != nil {
				return 0, err
			}
			changed++
		}
	}
}

func remaskEnrichments(ctx context.Context, tx *sql.Tx) (int, error) {
	changed := 0
	var after any = int64(0)
	for {
		batch, err := keyedTexts(ctx, tx, `SELECT seq, text FROM enrichments WHERE seq > ? ORDER BY seq LIMIT ?`, after, remaskBatch)
		if err != nil || len(batch) == 0 {
			return changed, err
		}
		for _, r := range batch {
			after = r.key
			text, found := redactor(r.text)
			if found == nil {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE enrichments SET text = ? WHERE seq = ?`, text, r.key); err != nil {
				return 0, err
			}
			changed++
		}
	}
}

// remaskMarksAndSnapshots masks again the incidents of marks and the text
// kept of watched files. Both tables are small: read whole, then written.
func remaskMarksAndSnapshots(ctx context.Context, tx *sql.Tx) (int, error) {
	marks, err := keyedTexts(ctx, tx, `SELECT id, incident FROM marks`)
	if err != nil {
		return 0, err
	}
	changed := 0
	for _, m := range marks {
		if text, found := redactor(m.text); found != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE marks SET incident = ? WHERE id = ?`, text, m.key); err != nil {
				return 0, err
			}
			changed++
		}
	}
	snaps, err := keyedTexts(ctx, tx, `SELECT path, state FROM watched`)
	if err != nil {
		return 0, err
	}
	for _, sn := range snaps {
		var st FileState
		if err := unmarshalState(sn.text, &st); err != nil {
			return 0, fmt.Errorf("watched file %v: %w", sn.key, err)
		}
		text, found := redactor(st.Content)
		if found == nil {
			continue
		}
		st.Content, st.Masked = text, redact.Merge(st.Masked, found)
		b, err := json.Marshal(stateJSON(st))
		if err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE watched SET state = ? WHERE path = ?`, string(b), sn.key); err != nil {
			return 0, err
		}
		changed++
	}
	return changed, nil
}

// keyedText is a row's key and text.
type keyedText struct {
	key  any
	text string
}

// keyedTexts reads every row of query, which selects a key and a text.
func keyedTexts(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]keyedText, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []keyedText
	for rows.Next() {
		var r keyedText
		if err := rows.Scan(&r.key, &r.text); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// How long a scrub waits for other processes to stop reading: a forget
// waits as long as any writer would; an open only finishes an earlier scrub
// when it can at once.
const (
	scrubWaitForget = 30 * time.Second
	scrubWaitOpen   = 2 * time.Second
	busyTimeout     = 30 * time.Second // as set in Open
)

// scrub removes old copies of rewritten or deleted text from the database's
// files: it checkpoints the write-ahead log and truncates it (old versions of
// pages live on in WAL frames until then), then vacuums (free pages and the
// free space inside pages are dropped; secure_delete has already zeroed
// them) and truncates the log again. It reports false, with no error, when
// another process kept the log from being checkpointed: the copies are then
// removed by a later scrub (scrubPending, at the next open).
func (s *Store) scrub(ctx context.Context, wait time.Duration) (bool, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("scrubbing journal: %w", err)
	}
	defer conn.Close()
	if wait != busyTimeout {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", wait.Milliseconds())); err != nil {
			return false, fmt.Errorf("scrubbing journal: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("PRAGMA busy_timeout = %d", busyTimeout.Milliseconds()))
	}
	gen, err := getMeta(ctx, conn, metaGeneration)
	if err != nil {
		return false, fmt.Errorf("scrubbing journal: %w", err)
	}
	checkpoint := func() (bool, error) {
		var busy, log, done int
		if err := conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &log, &done); err != nil {
			return false, fmt.Errorf("scrubbing journal: %w", err)
		}
		return busy == 0, nil
	}
	if ok, err := checkpoint(); !ok || err != nil {
		return false, err
	}
	if _, err := conn.ExecContext(ctx, "VACUUM"); err != nil {
		if isBusy(err) {
			return false, nil
		}
		return false, fmt.Errorf("scrubbing journal: %w", err)
	}
	if ok, err := checkpoint(); !ok || err != nil {
		return false, err
	}
	if err := setMeta(ctx, conn, metaScrubbed, gen); err != nil {
		return false, fmt.Errorf("scrubbing journal: %w", err)
	}
	// Leave the log empty as well; what the mark wrote holds no old text.
	checkpoint()
	return true, nil
}

func isBusy(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked")
}

// scrubPending finishes an earlier scrub that another process kept from
// completing, waiting only briefly.
func (s *Store) scrubPending(ctx context.Context) error {
	gen, err := getMeta(ctx, s.db, metaGeneration)
	if err != nil {
		return fmt.Errorf("reading journal %s: %w", s.path, err)
	}
	done, err := getMeta(ctx, s.db, metaScrubbed)
	if err != nil || done >= gen {
		return err
	}
	_, err = s.scrub(ctx, scrubWaitOpen)
	return err
}

// Selection is what Forget removes: entries by id, and a repository the
// journal follows, by name.
type Selection struct {
	IDs []string
	// Repo, when set, is the name of repositories to stop following.
	Repo string
	// Text, when set, is text to remove wherever else the journal keeps
	// it: marks whose incident holds it, and snapshots of watched files
	// (the next look at such a file takes a new one).
	Text string
}

// ForgetStats says what Forget removed.
type ForgetStats struct {
	Entries     int
	Enrichments int
	Repos       int
	Marks       int // marks of the entries, or holding Selection.Text
	Snapshots   int // watched files' snapshots holding Selection.Text
	// Scrubbed is false when another process kept the old copies from
	// being removed from the files: the next open of the journal removes
	// them.
	Scrubbed bool
}

// Matching returns, newest first and without diffs, the entries whose
// stored text (title, body, diff, author, tags, paths, ref, meta such as an
// undo recipe, or an enrichment)
// contains text, byte for byte.
func (s *Store) Matching(ctx context.Context, text string) ([]Entry, error) {
	if text == "" {
		return nil, nil
	}
	return s.selectEntries(ctx, `instr(title, ?1) > 0 OR instr(body, ?1) > 0 OR instr(diff, ?1) > 0
		OR instr(author, ?1) > 0 OR instr(tags, ?1) > 0 OR instr(paths, ?1) > 0 OR instr(ref, ?1) > 0
		OR instr(meta, ?1) > 0
		OR id IN (SELECT entry_id FROM enrichments WHERE instr(text, ?1) > 0)`, text)
}

// OfRepo returns, newest first and without diffs, the entries of the
// repository named name, and the followed repositories of that name.
func (s *Store) OfRepo(ctx context.Context, name string) ([]Entry, []Repo, error) {
	entries, err := s.selectEntries(ctx, `repo = ?1`, name)
	if err != nil {
		return nil, nil, err
	}
	repos, err := s.Repos(ctx)
	if err != nil {
		return nil, nil, err
	}
	var out []Repo
	for _, r := range repos {
		if r.Name == name {
			out = append(out, r)
		}
	}
	return entries, out, nil
}

func (s *Store) selectEntries(ctx context.Context, where string, arg string) ([]Entry, error) {
	cols := strings.Replace(entryColumns, "diff,", "'' AS diff,", 1)
	rows, err := s.db.QueryContext(ctx, "SELECT "+cols+" FROM entries WHERE "+where+" ORDER BY time DESC, seq DESC", arg)
	if err != nil {
		return nil, fmt.Errorf("reading journal: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("reading journal: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Forget removes the selected entries (with their enrichments) and stops
// following the selected repository, in one transaction, then scrubs the
// old copies from the journal's files (see scrub). The ids are remembered
// by a hash, never their text, so that capture does not bring the same
// commits back: Add and Known treat them as present. Files derived from the
// journal still hold the entries until their owner rebuilds them (Derived
// tells it to).
func (s *Store) Forget(ctx context.Context, sel Selection) (ForgetStats, error) {
	var st ForgetStats
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return st, fmt.Errorf("forgetting: %w", err)
	}
	defer tx.Rollback()
	now := time.Now().Unix()
	for _, id := range sel.IDs {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO forgotten (hash, forgot) VALUES (?, ?)`, forgetHash(id), now); err != nil {
			return st, fmt.Errorf("forgetting: %w", err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM marks WHERE entry_id = ?`, id)
		if err != nil {
			return st, fmt.Errorf("forgetting: %w", err)
		}
		n, _ := res.RowsAffected()
		st.Marks += int(n)
		res, err = tx.ExecContext(ctx, `DELETE FROM enrichments WHERE entry_id = ?`, id)
		if err != nil {
			return st, fmt.Errorf("forgetting: %w", err)
		}
		n, _ = res.RowsAffected()
		st.Enrichments += int(n)
		if res, err = tx.ExecContext(ctx, `DELETE FROM entries WHERE id = ?`, id); err != nil {
			return st, fmt.Errorf("forgetting: %w", err)
		}
		n, _ = res.RowsAffected()
		st.Entries += int(n)
	}
	if sel.Text != "" {
		res, err := tx.ExecContext(ctx, `DELETE FROM marks WHERE instr(incident, ?) > 0`, sel.Text)
		if err != nil {
			return st, fmt.Errorf("forgetting: %w", err)
		}
		n, _ := res.RowsAffected()
		st.Marks += int(n)
		if _, err := tx.ExecContext(ctx, watchedSchema); err != nil {
			return st, fmt.Errorf("forgetting: %w", err)
		}
		if res, err = tx.ExecContext(ctx, `DELETE FROM watched WHERE instr(state, ?) > 0`, sel.Text); err != nil {
			return st, fmt.Errorf("forgetting: %w", err)
		}
		n, _ = res.RowsAffected()
		st.Snapshots = int(n)
	}
	if sel.Repo != "" {
		res, err := tx.ExecContext(ctx, `DELETE FROM repos WHERE name = ?`, sel.Repo)
		if err != nil {
			return st, fmt.Errorf("forgetting: %w", err)
		}
		n, _ := res.RowsAffected()
		st.Repos = int(n)
	}
	if err := bumpGeneration(ctx, tx); err != nil {
		return st, fmt.Errorf("forgetting: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return st, fmt.Errorf("forgetting: %w", err)
	}
	st.Scrubbed, err = s.scrub(ctx, scrubWaitForget)
	return st, err
}
