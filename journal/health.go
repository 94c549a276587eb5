package journal

import (
	"context"
	"fmt"
)

// QuickCheck runs SQLite's quick_check over the database and returns the
// problems it reports; none when the database is sound.
func (s *Store) QuickCheck(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, "PRAGMA quick_check")
	if err != nil {
		return nil, fmt.Errorf("checking journal: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, fmt.Errorf("checking journal: %w", err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	return problems, rows.Err()
}

// DiskSchema returns the schema version recorded in the database file.
func (s *Store) DiskSchema(ctx context.Context) (int, error) {
	var v int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("reading journal: %w", err)
	}
	return v, nil
}

// CountAfter counts the entries recorded after sequence number seq.
func (s *Store) CountAfter(ctx context.Context, seq int64) (int64, error) {
	var n int64
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM entries WHERE seq > ?", seq).Scan(&n); err != nil {
		return 0, fmt.Errorf("reading journal: %w", err)
	}
	return n, nil
}
