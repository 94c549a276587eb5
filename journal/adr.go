package journal

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// KindDecision is the kind of an entry that records a decision: a note
// given --kind decision, or an imported Architecture Decision Record.
const KindDecision = "decision"

// ADR is an Architecture Decision Record read from Markdown, in the layouts
// of adr-tools ("# 1. Use Postgres", "Date: 2026-01-12", a "## Status"
// section) and MADR (YAML front matter with status and date, or "* Status:"
// lines).
type ADR struct {
	Title string
	// Body is the text after the title, front matter left out.
	Body string
	// Status is the first word of the status, lowercase ("accepted",
	// "superseded"); empty when the record gives none.
	Status string
	// Date is the record's own date; zero when it gives none.
	Date time.Time
}

var (
	adrDateLine   = regexp.MustCompile(`(?im)^\s*(?:[-*]\s*)?(?:\*\*)?date(?:\*\*)?\s*:\s*(?:\*\*)?\s*["']?([0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9:]+(?:Z|[+-][0-9:]+)?)?)`)
	adrStatusLine = regexp.MustCompile(`(?im)^\s*(?:[-*]\s*)?(?:\*\*)?status(?:\*\*)?\s*:\s*(?:\*\*)?\s*["']?([A-Za-z]+)`)
	adrStatusHead = regexp.MustCompile(`(?im)^#{2,}\s*status\s*\n+\s*(?:[-*]\s*)?([A-Za-z]+)`)
	adrFrontTitle = regexp.MustCompile(`(?m)^title:\s*["']?(.+?)["']?\s*$`)
)

// ParseADR reads a decision record. ok is false when the text has no
// title (a level-one heading, or title: in front matter).
func ParseADR(text string) (a ADR, ok bool) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	front := ""
	if rest, found := strings.CutPrefix(text, "---\n"); found {
		if fm, after, found := strings.Cut(rest, "\n---\n"); found {
			front, text = fm, after
		}
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if t, found := strings.CutPrefix(l, "# "); found {
			a.Title = strings.TrimSpace(t)
			a.Body = strings.TrimSpace(strings.Join(lines[i+1:], "\n"))
			break
		}
	}
	if a.Title == "" {
		if m := adrFrontTitle.FindStringSubmatch(front); m != nil {
			a.Title = m[1]
			a.Body = strings.TrimSpace(text)
		}
	}
	if a.Title == "" {
		return a, false
	}
	for _, src := range []string{front, text} {
		if a.Date.IsZero() {
			if m := adrDateLine.FindStringSubmatch(src); m != nil {
				a.Date = parseADRDate(m[1])
			}
		}
		if a.Status == "" {
			if m := adrStatusLine.FindStringSubmatch(src); m != nil {
				a.Status = strings.ToLower(m[1])
			} else if m := adrStatusHead.FindStringSubmatch(src); m != nil {
				a.Status = strings.ToLower(m[1])
			}
		}
	}
	return a, true
}

func parseADRDate(s string) time.Time {
	s = strings.Replace(s, " ", "T", 1)
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// ADRID is the id of an imported record: "r" and 16 hex digits of a hash of
// its file name and content. Importing the same records again adds
// nothing; an edited record is a new entry (the decision changed).
func ADRID(name string, content []byte) string {
	h := sha256.New()
	h.Write([]byte("analyst adr\x00" + filepath.Base(name) + "\x00"))
	h.Write(content)
	return "r" + hex.EncodeToString(h.Sum(nil)[:8])
}

// ADREntry builds the decision entry for a record read from the file at
// path (shown as given), made at time at. Its status, when it has one, is
// a tag beside "adr". Secrets are masked.
func ADREntry(a ADR, path string, content []byte, at time.Time, repo string) Entry {
	tags := []string{"adr"}
	if a.Status != "" {
		tags = append(tags, a.Status)
	}
	e := Entry{
		ID:       ADRID(path, content),
		Kind:     KindDecision,
		Time:     at.UTC().Truncate(time.Second),
		Recorded: time.Now().UTC(),
		Repo:     repo,
		Title:    a.Title,
		Body:     a.Body,
		Paths:    []string{path},
		Tags:     tags,
		Meta:     Meta{Source: "adr"},
	}
	e.Redact()
	return e
}
