package retrieval

import (
	"hash/fnv"
	"strings"
	"time"

	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval/catalog"
)

// Fields of a change that lexical ranking weighs apart (BM25F).
const (
	fieldTitle    = iota // subject, tags, kind
	fieldBody            // commit body or note text
	fieldPaths           // changed paths
	fieldDiff            // added and removed lines
	fieldContext         // unchanged lines around them
	fieldFuncs           // the functions hunks are in (hunk headers)
	fieldSymptoms        // symptom words of matched change classes
	fieldEnrich          // a model's note on the change (enrichment); counts only if made before the incident
	numFields
)

var fieldNames = [numFields]string{"title", "body", "paths", "diff", "context", "funcs", "symptoms", "enrich"}

// Field indices for Weights.Field and Weights.B, for callers that switch a
// field off (eval --ablate).
const (
	FieldDiff     = fieldDiff
	FieldContext  = fieldContext
	FieldFuncs    = fieldFuncs
	FieldSymptoms = fieldSymptoms
	FieldEnrich   = fieldEnrich
)

// Hit is a change class that matched a change.
type Hit struct {
	Class    string
	Reason   string
	Evidence string
}

// docFields returns the texts of e's fields and the class hits, the input of
// both the lexical index and the embedders.
func docFields(e *journal.Entry, cat *catalog.Catalog) (f [numFields]string, hits []Hit) {
	title := e.Title
	if len(e.Tags) > 0 {
		title += " " + strings.Join(e.Tags, " ")
	}
	if e.Kind != journal.KindCommit && e.Kind != journal.KindNote {
		title += " " + e.Kind
	}
	f[fieldTitle] = title
	f[fieldBody] = e.Body
	f[fieldPaths] = strings.Join(e.Paths, "\n")
	f[fieldDiff], f[fieldContext], f[fieldFuncs] = splitDiff(e.Diff)
	if e.Enrichment != nil {
		f[fieldEnrich] = e.Enrichment.Text
	}
	if cat != nil {
		var sym strings.Builder
		for _, m := range cat.Match(catalog.Change{Title: e.Title, Body: e.Body, Paths: e.Paths, Diff: e.Diff}) {
			hits = append(hits, Hit{Class: m.Class, Reason: m.Reason, Evidence: m.Evidence})
			sym.WriteString(m.Reason)
			sym.WriteByte('\n')
			sym.WriteString(strings.Join(m.Symptoms, "\n"))
			sym.WriteByte('\n')
		}
		f[fieldSymptoms] = sym.String()
	}
	return f, hits
}

// splitDiff separates a unified diff into changed lines, context lines and
// hunk headers' function context. File headers are dropped: paths have their
// own field.
func splitDiff(d string) (changed, context, funcs string) {
	if d == "" {
		return "", "", ""
	}
	var c, x, fn strings.Builder
	c.Grow(len(d) / 2)
	for len(d) > 0 {
		line := d
		if i := strings.IndexByte(d, '\n'); i >= 0 {
			line, d = d[:i+1], d[i+1:]
		} else {
			d = ""
		}
		switch {
		case strings.HasPrefix(line, "+++ "), strings.HasPrefix(line, "--- "),
			strings.HasPrefix(line, "diff --git "), strings.HasPrefix(line, "index "):
		case strings.HasPrefix(line, "@@"):
			if i := strings.Index(line[2:], "@@"); i >= 0 {
				fn.WriteString(line[2+i+2:])
			}
		case line[0] == '+' || line[0] == '-':
			c.WriteString(line[1:])
		case line[0] == ' ':
			x.WriteString(line[1:])
		}
	}
	return c.String(), x.String(), fn.String()
}

// embedText is what an embedder sees of a change: everything but the bulk of
// the diff, which would drown the message in a fixed-size vector.
func embedText(f *[numFields]string, maxDiff int) string {
	var b strings.Builder
	b.WriteString(f[fieldTitle])
	b.WriteString("\n\n")
	b.WriteString(f[fieldBody])
	b.WriteString("\n\n")
	b.WriteString(f[fieldSymptoms])
	b.WriteString("\n")
	b.WriteString(f[fieldPaths])
	b.WriteString("\n")
	b.WriteString(f[fieldFuncs])
	b.WriteString("\n")
	d := f[fieldDiff]
	if len(d) > maxDiff {
		d = strings.ToValidUTF8(d[:maxDiff], "")
	}
	b.WriteString(d)
	return b.String()
}

// ContentHash fingerprints an entry's own text as the index sees it: an
// enrichment made from another fingerprint is stale.
func ContentHash(e *journal.Entry) uint64 { return contentHash(e) }

// enrichHash fingerprints an entry's enrichment (0 for none).
func enrichHash(e *journal.Entry) uint64 {
	if e.Enrichment == nil {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(e.Enrichment.Text))
	h.Write([]byte(e.Enrichment.Made.UTC().Format(time.RFC3339Nano)))
	return h.Sum64() | 1
}

// contentHash fingerprints what an entry contributes to the index, so that
// an entry whose text changed (a redaction migration) is re-embedded.
func contentHash(e *journal.Entry) uint64 {
	h := fnv.New64a()
	for _, s := range []string{e.Title, e.Body, e.Diff, e.Kind, e.Repo, strings.Join(e.Paths, "\n"), strings.Join(e.Tags, "\n")} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return h.Sum64()
}
