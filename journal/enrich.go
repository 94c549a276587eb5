package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Enrichment is derived data about an entry: what a chat model said the
// change alters and which symptoms a failure would show. It is kept beside
// the entry, never in it, and never replaces the entry's own text.
type Enrichment struct {
	// Seq orders enrichments by when they were stored (assigned by the
	// store; a replaced enrichment gets a new one).
	Seq     int64
	EntryID string
	Model   string
	// Hash is the content hash of the entry it was made from (the index's
	// fingerprint of its text): a change of content makes it stale.
	Hash uint64
	// Made is when it was made: an enrichment made after an incident's
	// time never counts for that incident.
	Made time.Time
	Text string
}

// PutEnrichment stores en, replacing the entry's earlier enrichment by the
// same model (the replacement gets a new sequence number). Its text is
// masked like an entry's: a model may repeat what it was shown.
func (s *Store) PutEnrichment(ctx context.Context, en Enrichment) error {
	en.Text, _ = redactor(en.Text)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("storing enrichment: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM enrichments WHERE entry_id = ? AND model = ?`, en.EntryID, en.Model); err != nil {
		return fmt.Errorf("storing enrichment: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO enrichments (entry_id, model, hash, made, text) VALUES (?, ?, ?, ?, ?)`,
		en.EntryID, en.Model, strconv.FormatUint(en.Hash, 16), en.Made.UnixNano(), en.Text)
	if err != nil {
		return fmt.Errorf("storing enrichment: %w", err)
	}
	return tx.Commit()
}

// Enrichments calls fn for each enrichment stored after sequence number
// after, oldest first.
func (s *Store) Enrichments(ctx context.Context, after int64, fn func(Enrichment) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, entry_id, model, hash, made, text FROM enrichments WHERE seq > ? ORDER BY seq`, after)
	if err != nil {
		return fmt.Errorf("reading enrichments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		en, err := scanEnrichment(rows)
		if err != nil {
			return err
		}
		if err := fn(en); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EnrichmentsOf returns the enrichments of one entry, newest first.
func (s *Store) EnrichmentsOf(ctx context.Context, entryID string) ([]Enrichment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, entry_id, model, hash, made, text FROM enrichments WHERE entry_id = ? ORDER BY made DESC, seq DESC`, entryID)
	if err != nil {
		return nil, fmt.Errorf("reading enrichments: %w", err)
	}
	defer rows.Close()
	var out []Enrichment
	for rows.Next() {
		en, err := scanEnrichment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, en)
	}
	return out, rows.Err()
}

// EnrichmentHashes returns, for one model, the content hash each entry's
// enrichment was made from: what an enrichment pass can skip.
func (s *Store) EnrichmentHashes(ctx context.Context, model string) (map[string]uint64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT entry_id, hash FROM enrichments WHERE model = ?`, model)
	if err != nil {
		return nil, fmt.Errorf("reading enrichments: %w", err)
	}
	defer rows.Close()
	out := map[string]uint64{}
	for rows.Next() {
		var id, h string
		if err := rows.Scan(&id, &h); err != nil {
			return nil, fmt.Errorf("reading enrichments: %w", err)
		}
		out[id], _ = strconv.ParseUint(h, 16, 64)
	}
	return out, rows.Err()
}

// MaxEnrichmentSeq returns the highest enrichment sequence number, 0 for none.
func (s *Store) MaxEnrichmentSeq(ctx context.Context) (int64, error) {
	var n sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT max(seq) FROM enrichments`).Scan(&n); err != nil {
		return 0, fmt.Errorf("reading enrichments: %w", err)
	}
	return n.Int64, nil
}

func scanEnrichment(rows *sql.Rows) (Enrichment, error) {
	var en Enrichment
	var h string
	var made int64
	if err := rows.Scan(&en.Seq, &en.EntryID, &en.Model, &h, &made, &en.Text); err != nil {
		return en, fmt.Errorf("reading enrichments: %w", err)
	}
	var err error
	if en.Hash, err = strconv.ParseUint(h, 16, 64); err != nil {
		return en, errors.New("reading enrichments: bad content hash")
	}
	en.Made = time.Unix(0, made).UTC()
	return en, nil
}
