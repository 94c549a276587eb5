package journal

import (
	"context"
	"fmt"
	"time"
)

// Verdicts of a Mark.
const (
	VerdictCause = "cause" // the entry caused the incident
	VerdictNot   = "not"   // the entry was looked at and did not
)

// Mark is what someone learnt after an incident: that an entry was, or was
// not, its cause. Marks are kept beside entries, never in them; ranking uses
// them to lift or lower similar changes for similar incidents later, and
// only for incidents after the mark was made.
type Mark struct {
	ID      int64 // assigned by the store
	EntryID string
	Verdict string // VerdictCause or VerdictNot
	// Incident is the incident's description, masked like an entry's text.
	Incident string
	// Made is when the mark was made: it counts only for incidents after it.
	Made time.Time
}

// AddMark stores m (its text masked) and returns it with its id. The entry
// must exist: a mark of an unknown id is refused with ErrNotFound.
func (s *Store) AddMark(ctx context.Context, m Mark) (Mark, error) {
	if m.Verdict != VerdictCause && m.Verdict != VerdictNot {
		return m, fmt.Errorf("storing mark: unknown verdict %q", m.Verdict)
	}
	m.Incident, _ = redactor(m.Incident)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return m, fmt.Errorf("storing mark: %w", err)
	}
	defer tx.Rollback()
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM entries WHERE id = ?)`, m.EntryID).Scan(&exists); err != nil {
		return m, fmt.Errorf("storing mark: %w", err)
	}
	if !exists {
		return m, ErrNotFound
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO marks (entry_id, verdict, incident, made) VALUES (?, ?, ?, ?)`,
		m.EntryID, m.Verdict, m.Incident, m.Made.UnixNano())
	if err != nil {
		return m, fmt.Errorf("storing mark: %w", err)
	}
	if m.ID, err = res.LastInsertId(); err != nil {
		return m, fmt.Errorf("storing mark: %w", err)
	}
	return m, tx.Commit()
}

// Marks returns the marks made strictly before t (all of them for a zero
// t), oldest first.
func (s *Store) Marks(ctx context.Context, before time.Time) ([]Mark, error) {
	if before.IsZero() {
		return s.marks(ctx, `1`)
	}
	return s.marks(ctx, `made < ?`, before.UnixNano())
}

// MarksOf returns the marks of one entry, oldest first.
func (s *Store) MarksOf(ctx context.Context, entryID string) ([]Mark, error) {
	return s.marks(ctx, `entry_id = ?`, entryID)
}

func (s *Store) marks(ctx context.Context, where string, args ...any) ([]Mark, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, entry_id, verdict, incident, made FROM marks WHERE `+where+` ORDER BY made, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("reading marks: %w", err)
	}
	defer rows.Close()
	var out []Mark
	for rows.Next() {
		var m Mark
		var made int64
		if err := rows.Scan(&m.ID, &m.EntryID, &m.Verdict, &m.Incident, &made); err != nil {
			return nil, fmt.Errorf("reading marks: %w", err)
		}
		m.Made = time.Unix(0, made).UTC()
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading marks: %w", err)
	}
	return out, nil
}
