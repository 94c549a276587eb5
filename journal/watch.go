package journal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/analyst-dev/analyst/journal/redact"
)

// KindConfig is the kind of an entry recording a change to a file outside
// git (an .env, a YAML or INI file), seen by watching it.
const KindConfig = "config"

// Limits of watching a file.
const (
	// MaxWatchedText is the largest file whose text is kept and diffed:
	// 1 MiB, far beyond any hand-edited configuration. A larger file is
	// still watched, by its hash: a change is recorded without a diff.
	MaxWatchedText = 1 << 20
	// maxUndo is the most previous content an undo recipe keeps.
	maxUndo = 64 << 10
)

// FileState is what the journal remembers of a watched file: enough to tell
// the next change and to diff against it. Content is masked text, so the
// journal never holds a secret it would not also hold in an entry.
type FileState struct {
	Path    string
	Exists  bool
	Hash    string // SHA-256 of the file's bytes; empty when it does not exist
	Size    int64
	ModTime time.Time
	// Content is the masked text; empty when the file is too large
	// (see MaxWatchedText) or does not exist.
	Content string
	// Large is set when the file was too large to keep its text.
	Large bool
	// Masked says what masking took out of Content.
	Masked []redact.Finding
}

// ErrBinary is returned by ReadFileState for a file that is not text.
var ErrBinary = errors.New("binary file")

// ReadFileState reads the file at path (an absolute path) as it is now. A
// missing file is a state (Exists false), not an error; a binary file is
// ErrBinary.
func ReadFileState(path string) (FileState, error) {
	st := FileState{Path: path}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return st, err
	}
	if !fi.Mode().IsRegular() {
		return st, fmt.Errorf("%s is not a regular file", path)
	}
	h := sha256.New()
	var head bytes.Buffer
	n, err := io.Copy(io.MultiWriter(h, &limitedBuffer{buf: &head, max: MaxWatchedText + 1}), f)
	if err != nil {
		return st, err
	}
	st.Exists, st.Size, st.ModTime = true, n, fi.ModTime().UTC()
	st.Hash = hex.EncodeToString(h.Sum(nil))
	b := head.Bytes()
	if isBinary(b) {
		return st, ErrBinary
	}
	if n > MaxWatchedText {
		st.Large = true
		return st, nil
	}
	st.Content, st.Masked = redactor(string(b))
	return st, nil
}

// limitedBuffer keeps the first max bytes written to it and drops the rest.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// isBinary reports whether b looks like a binary file, as git decides: a NUL
// byte in its first 8000 bytes. Text that is not UTF-8 counts as binary too.
func isBinary(b []byte) bool {
	head := b[:min(len(b), 8000)]
	if bytes.IndexByte(head, 0) >= 0 {
		return true
	}
	if len(b) > MaxWatchedText {
		b = b[:MaxWatchedText]
		// A rune cut at the end is not a reason to call it binary.
		for i := 0; i < utf8.UTFMax && len(b) > 0 && !utf8.Valid(b); i++ {
			b = b[:len(b)-1]
		}
	}
	return !utf8.Valid(b)
}

const watchedSchema = `CREATE TABLE IF NOT EXISTS watched (
	path    TEXT PRIMARY KEY,
	seen    INTEGER NOT NULL,
	state   TEXT NOT NULL
)`

// FileState returns what the journal remembers of the file at path; ok is
// false when it has never seen it.
func (s *Store) FileState(ctx context.Context, path string) (st FileState, ok bool, err error) {
	if _, err := s.db.ExecContext(ctx, watchedSchema); err != nil {
		return st, false, fmt.Errorf("reading watched files: %w", err)
	}
	var text string
	err = s.db.QueryRowContext(ctx, `SELECT state FROM watched WHERE path = ?`, path).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("reading watched files: %w", err)
	}
	if err := unmarshalState(text, &st); err != nil {
		return st, false, fmt.Errorf("reading watched files: %s: %w", path, err)
	}
	return st, true, nil
}

// SaveFileState remembers cur as the state of its file, but only if what
// the journal remembers is still prev (prevOK false: nothing yet). It
// reports whether it did: another process that saw the same change first
// has already moved the state on, and its entry has the same id.
func (s *Store) SaveFileState(ctx context.Context, prev FileState, prevOK bool, cur FileState) (bool, error) {
	text := jsonText(stateJSON(cur), "{}")
	var res sql.Result
	var err error
	if prevOK {
		res, err = s.db.ExecContext(ctx, `UPDATE watched SET state = ?, seen = ? WHERE path = ? AND state = ?`,
			text, time.Now().Unix(), cur.Path, jsonText(stateJSON(prev), "{}"))
	} else {
		res, err = s.db.ExecContext(ctx, `INSERT OR IGNORE INTO watched (path, seen, state) VALUES (?, ?, ?)`,
			cur.Path, time.Now().Unix(), text)
	}
	if err != nil {
		return false, fmt.Errorf("saving watched file: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// fileStateJSON is how a FileState is stored: field names fixed here, apart
// from the Go names.
type fileStateJSON struct {
	Path    string           `json:"path"`
	Exists  bool             `json:"exists"`
	Hash    string           `json:"hash,omitempty"`
	Size    int64            `json:"size,omitempty"`
	ModTime int64            `json:"mtime_ns,omitempty"`
	Content string           `json:"content,omitempty"`
	Large   bool             `json:"large,omitempty"`
	Masked  []redact.Finding `json:"masked,omitempty"`
}

func stateJSON(st FileState) fileStateJSON {
	j := fileStateJSON{Path: st.Path, Exists: st.Exists, Hash: st.Hash, Size: st.Size, Content: st.Content, Large: st.Large, Masked: st.Masked}
	if !st.ModTime.IsZero() {
		j.ModTime = st.ModTime.UnixNano()
	}
	return j
}

func unmarshalState(text string, st *FileState) error {
	var j fileStateJSON
	if err := json.Unmarshal([]byte(text), &j); err != nil {
		return err
	}
	*st = FileState{Path: j.Path, Exists: j.Exists, Hash: j.Hash, Size: j.Size, Content: j.Content, Large: j.Large, Masked: j.Masked}
	if j.ModTime != 0 {
		st.ModTime = time.Unix(0, j.ModTime).UTC()
	}
	return nil
}

// SameContent reports whether a and b hold the same bytes (both missing
// counts as the same).
func SameContent(a, b FileState) bool {
	return a.Exists == b.Exists && a.Hash == b.Hash
}

// FileChangeID is the id of the entry recording the change of path from
// prev to cur: "w" and 16 hex digits of a hash of the path, both contents
// and the new modification time. Two watchers that see the same change give
// it the same id, so it is recorded once; the same edit made again later
// has another time, so it is recorded again.
func FileChangeID(prev, cur FileState) string {
	when := cur.ModTime
	if !cur.Exists {
		when = prev.ModTime
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("analyst watch\x00%s\x00%s\x00%s\x00%d", cur.Path, prev.Hash, cur.Hash, when.UnixNano())))
	return "w" + hex.EncodeToString(sum[:8])
}

// FileChange builds the entry recording the change of a watched file from
// prev to cur. shown is the path as the user should read it (~ for the
// home directory); now is the time of a deletion, which has no
// modification time. The diff is bounded like a commit's (see
// CommitLimits.MaxFileDiff).
func FileChange(prev, cur FileState, shown, repo string, now time.Time) Entry {
	e := Entry{
		ID:       FileChangeID(prev, cur),
		Kind:     KindConfig,
		Time:     cur.ModTime.Truncate(time.Second),
		Recorded: time.Now().UTC(),
		Repo:     repo,
		Paths:    []string{shown},
		Meta:     Meta{Source: "watch", Files: 1},
		// The texts it is made from were masked when read.
		Masked: redact.Merge(prev.Masked, cur.Masked),
	}
	if !cur.Exists {
		e.Time = now.UTC().Truncate(time.Second)
	}
	oldText, newText := prev.Content, cur.Content
	if !prev.Exists {
		oldText = ""
	}
	var keys []string
	switch {
	case !prev.Exists:
		e.Title = "Created " + shown
		e.Meta.Undo = "delete " + shown + " (it did not exist before)"
	case !cur.Exists:
		e.Title = "Deleted " + shown
		e.Meta.Undo = restoreContent(shown, prev)
	default:
		keys = changedKeys(oldText, newText)
		e.Title = "Changed " + shown
		if len(keys) > 0 {
			e.Title = "Changed " + strings.Join(limitList(keys, 5), ", ") + " in " + shown
		}
	}
	if prev.Large || cur.Large {
		e.Body = fmt.Sprintf("%s: %d bytes before, %d bytes after; too large to diff (over %d bytes).", shown, prev.Size, cur.Size, MaxWatchedText)
		e.Meta.DiffCut = true
		if e.Meta.Undo == "" {
			e.Meta.Undo = restoreContent(shown, prev)
		}
		e.Redact()
		return e
	}
	d := unifiedDiff(shown, oldText, newText, prev.Exists, cur.Exists)
	for _, l := range strings.Split(d, "\n") {
		switch {
		case strings.HasPrefix(l, "+++ "), strings.HasPrefix(l, "--- "):
		case strings.HasPrefix(l, "+"):
			e.Meta.Added++
		case strings.HasPrefix(l, "-"):
			e.Meta.Deleted++
		}
	}
	lim := CommitLimits{}.withDefaults()
	if len(d) > lim.MaxFileDiff {
		cut := strings.LastIndexByte(d[:lim.MaxFileDiff], '\n')
		d = d[:cut+1]
		e.Meta.DiffCut = true
	}
	e.Diff = d
	switch {
	case d == "":
		// Only masked values changed: the masked texts are equal.
		e.Title = "Changed a masked value in " + shown
		e.Body = shown + " changed, but only in masked values (secrets are not kept)."
	default:
		what := "changed"
		switch {
		case !prev.Exists:
			what = "created"
		case !cur.Exists:
			what = "deleted"
		}
		e.Body = fmt.Sprintf("%s %s outside git: %d %s added, %d removed.", shown, what, e.Meta.Added, lines(e.Meta.Added), e.Meta.Deleted)
	}
	if e.Meta.Undo == "" {
		e.Meta.Undo = undoRecipe(shown, prev.Content, cur.Content, keys)
	}
	e.Redact()
	return e
}

func limitList(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(slices.Clone(s[:n]), fmt.Sprintf("%d more", len(s)-n))
}

// unifiedDiff returns a git-style diff of one file; empty when the texts
// are equal.
func unifiedDiff(shown, oldText, newText string, oldExists, newExists bool) string {
	if oldText == newText {
		return ""
	}
	d := string(diff.Diff("a/"+shown, []byte(oldText), "b/"+shown, []byte(newText)))
	if d == "" {
		return ""
	}
	// diff.Diff starts with "diff a/x b/x"; git's header names both sides
	// and says when a file was created or deleted.
	_, rest, _ := strings.Cut(d, "\n")
	head := "diff --git a/" + shown + " b/" + shown + "\n"
	switch {
	case !oldExists:
		head += "new file\n"
		rest = strings.Replace(rest, "--- a/"+shown, "--- /dev/null", 1)
	case !newExists:
		head += "deleted file\n"
		rest = strings.Replace(rest, "+++ b/"+shown, "+++ /dev/null", 1)
	}
	return head + rest
}

// keyLine matches a line that sets one key: KEY=VALUE (.env, INI,
// properties, TOML) or key: value (YAML).
var keyLine = regexp.MustCompile(`^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.\-]*)\s*(?:=|:\s|:$)\s*(.*)$`)

// keyValues returns the keys set in text with their lines, and whether every
// key is set once (nested YAML may repeat a key under different parents,
// which a key alone cannot tell apart).
func keyValues(text string) (map[string]string, bool) {
	kv := map[string]string{}
	for _, l := range strings.Split(text, "\n") {
		m := keyLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		if _, dup := kv[m[1]]; dup {
			return nil, false
		}
		kv[m[1]] = strings.TrimSpace(l)
	}
	return kv, true
}

// changedKeys returns the keys whose lines differ between the texts, in
// order, when every changed line is a key line of a flat file; otherwise
// nil.
func changedKeys(oldText, newText string) []string {
	if _, ok := keyValues(oldText); !ok {
		return nil
	}
	if _, ok := keyValues(newText); !ok {
		return nil
	}
	oldLines, newLines := lineSet(oldText), lineSet(newText)
	var keys []string
	seen := map[string]bool{}
	for _, side := range []struct {
		text  string
		other map[string]bool
	}{{oldText, newLines}, {newText, oldLines}} {
		for _, l := range strings.Split(side.text, "\n") {
			if strings.TrimSpace(l) == "" || side.other[strings.TrimSpace(l)] {
				continue
			}
			m := keyLine.FindStringSubmatch(l)
			if m == nil {
				if isComment(l) {
					continue
				}
				return nil // a changed line that sets no key
			}
			if !seen[m[1]] {
				seen[m[1]] = true
				keys = append(keys, m[1])
			}
		}
	}
	return keys
}

func isComment(l string) bool {
	t := strings.TrimSpace(l)
	return strings.HasPrefix(t, "#") || strings.HasPrefix(t, ";") || strings.HasPrefix(t, "//")
}

func lineSet(text string) map[string]bool {
	set := map[string]bool{}
	for _, l := range strings.Split(text, "\n") {
		set[strings.TrimSpace(l)] = true
	}
	return set
}

// undoRecipe says how to take a change back: the previous lines of the
// changed keys when there are any, else the previous content.
func undoRecipe(shown, oldText, newText string, keys []string) string {
	if len(keys) == 0 {
		return restoreContent(shown, FileState{Exists: true, Content: oldText})
	}
	oldKV, _ := keyValues(oldText)
	var b strings.Builder
	fmt.Fprintf(&b, "in %s, put back the previous values:\n", shown)
	for _, k := range keys {
		if line, ok := oldKV[k]; ok {
			fmt.Fprintf(&b, "%s\n", line)
		} else {
			fmt.Fprintf(&b, "(remove %s: it was not set before)\n", k)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// restoreContent is the undo recipe that puts a file's previous content
// back, bounded by maxUndo.
func restoreContent(shown string, prev FileState) string {
	if prev.Large || len(prev.Content) > maxUndo {
		return fmt.Sprintf("the previous content of %s (%d bytes) was too large to keep; reverse the diff", shown, prev.Size)
	}
	return "restore " + shown + " to its previous content:\n" + prev.Content
}

// lines is "line" or "lines", as n says.
func lines(n int) string {
	if n == 1 {
		return "line"
	}
	return "lines"
}
