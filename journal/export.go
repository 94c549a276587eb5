package journal

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ExportVersion is the version of the export format: JSON lines, a header
// object first, then one record per line. A file of a newer version is
// refused rather than misread.
const ExportVersion = 1

// exportHeader is the first line of an export.
type exportHeader struct {
	Format   string    `json:"format"` // always "analyst-journal"
	Version  int       `json:"version"`
	Exported time.Time `json:"exported"`
}

const exportFormat = "analyst-journal"

// exportRecord is one line after the header: exactly one field is set.
type exportRecord struct {
	Entry      *Entry              `json:"entry,omitempty"`
	Enrichment *exportedEnrichment `json:"enrichment,omitempty"`
	// Forgotten is the hash a forgotten entry's id is remembered by (never
	// the id itself).
	Forgotten string `json:"forgotten,omitempty"`
}

type exportedEnrichment struct {
	EntryID string    `json:"entry_id"`
	Model   string    `json:"model"`
	Hash    string    `json:"hash"`
	Made    time.Time `json:"made"`
	Text    string    `json:"text"`
}

// Export is the content of an export file.
type Export struct {
	Entries     []Entry
	Enrichments []Enrichment
	// Forgotten are the hashes of forgotten entries' ids.
	Forgotten []string
}

// Export writes the whole journal to w as JSON lines: every entry with all
// its fields (oldest first), the enrichments, and the hashes of forgotten
// entries. It returns the number of entries written.
func (s *Store) Export(ctx context.Context, w io.Writer) (int, error) {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(exportHeader{Format: exportFormat, Version: ExportVersion, Exported: time.Now().UTC()}); err != nil {
		return 0, err
	}
	n := 0
	err := s.List(ctx, Filter{Oldest: true}, func(e Entry) error {
		e.Seq = 0
		n++
		return enc.Encode(exportRecord{Entry: &e})
	})
	if err != nil {
		return n, err
	}
	err = s.Enrichments(ctx, 0, func(en Enrichment) error {
		return enc.Encode(exportRecord{Enrichment: &exportedEnrichment{EntryID: en.EntryID, Model: en.Model,
			Hash: strconv.FormatUint(en.Hash, 16), Made: en.Made.UTC(), Text: en.Text}})
	})
	if err != nil {
		return n, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT hash FROM forgotten ORDER BY hash`)
	if err != nil {
		return n, fmt.Errorf("reading journal: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return n, fmt.Errorf("reading journal: %w", err)
		}
		if err := enc.Encode(exportRecord{Forgotten: h}); err != nil {
			return n, err
		}
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("reading journal: %w", err)
	}
	return n, bw.Flush()
}

// maxExportLine bounds one line of an export: an entry's diff is bounded
// (64 KiB, see CommitLimits), escaped JSON at most a few times that.
const maxExportLine = 16 << 20

// ReadExport reads and checks a whole export. Any line that is not a
// well-formed record (a truncated file, a hand edit gone wrong) is an error
// naming the line; nothing is returned then, so that a caller writes all
// or nothing.
func ReadExport(r io.Reader) (Export, error) {
	var x Export
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxExportLine)
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if line == 1 {
			var h exportHeader
			if err := json.Unmarshal(b, &h); err != nil || h.Format != exportFormat {
				return Export{}, errors.New("line 1: not an analyst journal export (no header)")
			}
			if h.Version > ExportVersion || h.Version < 1 {
				return Export{}, fmt.Errorf("line 1: export format version %d; this analyst reads up to %d", h.Version, ExportVersion)
			}
			continue
		}
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		var rec exportRecord
		if err := dec.Decode(&rec); err != nil {
			return Export{}, fmt.Errorf("line %d: %v", line, err)
		}
		if dec.More() {
			return Export{}, fmt.Errorf("line %d: more than one record", line)
		}
		if err := addRecord(&x, rec); err != nil {
			return Export{}, fmt.Errorf("line %d: %v", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return Export{}, fmt.Errorf("line %d: %v", line+1, err)
	}
	if line == 0 {
		return Export{}, errors.New("empty file: not an analyst journal export")
	}
	return x, nil
}

func addRecord(x *Export, rec exportRecord) error {
	set := 0
	for _, b := range []bool{rec.Entry != nil, rec.Enrichment != nil, rec.Forgotten != ""} {
		if b {
			set++
		}
	}
	if set != 1 {
		return errors.New("a record holds exactly one of entry, enrichment, forgotten")
	}
	switch {
	case rec.Entry != nil:
		e := *rec.Entry
		if err := checkID(e.ID); err != nil {
			return err
		}
		if strings.TrimSpace(e.Kind) == "" || e.Time.IsZero() {
			return fmt.Errorf("entry %s has no kind or time", e.ID)
		}
		e.Seq = 0
		x.Entries = append(x.Entries, e)
	case rec.Enrichment != nil:
		en := rec.Enrichment
		if err := checkID(en.EntryID); err != nil {
			return err
		}
		h, err := strconv.ParseUint(en.Hash, 16, 64)
		if err != nil || en.Model == "" || en.Made.IsZero() {
			return fmt.Errorf("enrichment of %s: bad hash, model or time", en.EntryID)
		}
		x.Enrichments = append(x.Enrichments, Enrichment{EntryID: en.EntryID, Model: en.Model, Hash: h, Made: en.Made, Text: en.Text})
	default:
		if b, err := hex.DecodeString(rec.Forgotten); err != nil || len(b) != 32 {
			return fmt.Errorf("forgotten: %q is not a hash", rec.Forgotten)
		}
		x.Forgotten = append(x.Forgotten, rec.Forgotten)
	}
	return nil
}

func checkID(id string) error {
	if id == "" || len(id) > 128 || strings.ToLower(id) != id || strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return fmt.Errorf("bad entry id %q", id)
	}
	return nil
}

// ImportStats says what Import did.
type ImportStats struct {
	// Entries were added; Known were already here; Refused were
	// forgotten here (or in the export) and stay out.
	Entries, Known, Refused int
	Enrichments             int
	// Forgotten counts forget marks new to this journal; Removed, entries
	// of this journal the export says were forgotten.
	Forgotten, Removed int
}

// Import adds an export's content in one transaction: forget marks first
// (so that capture leaves those entries out from now on, and entries here
// that were forgotten there go), then the entries not yet here and not
// forgotten, masked again, with their unreachable marks, then the
// enrichments of entries present, where this journal has none by that
// model. Importing the same file twice adds nothing.
func (s *Store) Import(ctx context.Context, x Export) (ImportStats, error) {
	var st ImportStats
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return st, fmt.Errorf("importing: %w", err)
	}
	defer tx.Rollback()
	now := time.Now().Unix()
	marks := make(map[string]bool, len(x.Forgotten))
	for _, h := range x.Forgotten {
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO forgotten (hash, forgot) VALUES (?, ?)`, h, now)
		if err != nil {
			return st, fmt.Errorf("importing: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			st.Forgotten++
			marks[h] = true
		}
	}
	if len(marks) > 0 {
		// Entries here that were forgotten where the export was made.
		var gone []string
		rows, err := tx.QueryContext(ctx, `SELECT id FROM entries`)
		if err != nil {
			return st, fmt.Errorf("importing: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return st, fmt.Errorf("importing: %w", err)
			}
			if marks[forgetHash(id)] {
				gone = append(gone, id)
			}
		}
		rows.Close()
		for _, id := range gone {
			for _, q := range []string{`DELETE FROM enrichments WHERE entry_id = ?`, `DELETE FROM entries WHERE id = ?`} {
				if _, err := tx.ExecContext(ctx, q, id); err != nil {
					return st, fmt.Errorf("importing: %w", err)
				}
			}
		}
		st.Removed = len(gone)
	}
	forgotten, err := forgottenIn(ctx, tx, entryIDs(x.Entries))
	if err != nil {
		return st, fmt.Errorf("importing: %w", err)
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO entries
		(id, kind, time, recorded, repo, ref, title, body, author, paths, diff, tags, masked, meta, unreachable)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return st, fmt.Errorf("importing: %w", err)
	}
	defer stmt.Close()
	for i := range x.Entries {
		e := &x.Entries[i]
		if forgotten[e.ID] {
			st.Refused++
			continue
		}
		// The file may have been edited by hand: mask again.
		e.Redact()
		if e.Recorded.IsZero() {
			e.Recorded = time.Now().UTC()
		}
		var unreachable int64
		if !e.Unreachable.IsZero() {
			unreachable = e.Unreachable.Unix()
		}
		res, err := stmt.ExecContext(ctx, e.ID, e.Kind, e.Time.Unix(), e.Recorded.UnixMilli(), e.Repo, e.Ref,
			e.Title, e.Body, e.Author, jsonText(e.Paths, "[]"), e.Diff, jsonText(e.Tags, "[]"),
			jsonText(e.Masked, "[]"), jsonText(e.Meta, "{}"), unreachable)
		if err != nil {
			return st, fmt.Errorf("importing: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			st.Entries++
		} else {
			st.Known++
		}
	}
	for _, en := range x.Enrichments {
		text, _ := redactor(en.Text)
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO enrichments (entry_id, model, hash, made, text)
			SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM entries WHERE id = ?)`,
			en.EntryID, en.Model, strconv.FormatUint(en.Hash, 16), en.Made.UnixNano(), text, en.EntryID)
		if err != nil {
			return st, fmt.Errorf("importing: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			st.Enrichments++
		}
	}
	if st.Removed > 0 {
		if err := bumpGeneration(ctx, tx); err != nil {
			return st, fmt.Errorf("importing: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return st, fmt.Errorf("importing: %w", err)
	}
	if st.Removed > 0 {
		if _, err := s.scrub(ctx, scrubWaitForget); err != nil {
			return st, err
		}
	}
	return st, nil
}
