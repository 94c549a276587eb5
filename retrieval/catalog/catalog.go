package catalog

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"io"
	"sync"
)

// Change is what a class is matched against.
type Change struct {
	Title string   // commit subject or first line of a note
	Body  string   // commit body or the note text
	Paths []string // changed file paths (may be empty for notes)
	Diff  string   // unified diff text (`git log -p` style); empty for notes
}

// Match is one class that matched one change.
type Match struct {
	// Class is the stable id of the class, e.g. "db-write-concern-lowered".
	Class string
	// Reason is a short human sentence shown to users.
	Reason string
	// Symptoms are the symptom words and phrases to index with the change.
	// The slice is a copy and may be modified by the caller.
	Symptoms []string
	// Evidence is the line that triggered the match, trimmed and at most
	// 160 characters, e.g. "+MONGO_URL=mongodb://app:***@db/shop?w=0".
	Evidence string
}

// Catalog is a compiled, immutable set of change classes. It is safe for
// concurrent use.
type Catalog struct {
	classes []*class
	index   *literalIndex
	always  []int32 // classes with diff triggers but no require literals
	notes   []int32 // classes with note patterns
	optOut  bool    // some class looks at default-excluded files
	pool    sync.Pool
	fp      string // fingerprint of the definitions
	// compiled, when set, builds the real catalogue on first use: Default
	// is lazy, so a process that only needs the fingerprint (an ask with
	// nothing new to index) does not pay for compiling every class.
	compiled func() *Catalog
}

// resolve returns the compiled catalogue behind a lazy one.
func (c *Catalog) resolve() *Catalog {
	if c != nil && c.compiled != nil {
		return c.compiled()
	}
	return c
}

//go:embed classes.toml
var builtinTOML []byte

var defaultCatalog = sync.OnceValue(func() *Catalog {
	c, err := Load(bytes.NewReader(builtinTOML))
	if err != nil {
		panic("catalog: embedded classes.toml is invalid: " + err.Error())
	}
	return c
})

// Default returns the built-in catalogue, parsed once from the embedded
// classes.toml. The returned Catalog is shared and immutable.
func Default() *Catalog { return defaultLazy }

// defaultLazy fingerprints the embedded definitions at once and compiles
// them on first use.
var defaultLazy = &Catalog{fp: fingerprint(builtinTOML), compiled: defaultCatalog}

// Load parses a catalogue in the TOML format described in the package
// documentation. Errors name the offending class and field.
func Load(r io.Reader) (*Catalog, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("catalog: reading: %w", err)
	}
	classes, err := parseClasses(data)
	if err != nil {
		return nil, err
	}
	c := newCatalog(classes)
	c.fp = fingerprint(data)
	return c, nil
}

// Fingerprint identifies the catalogue's definitions: it changes whenever a
// class is added, removed or edited, so indexes built with other classes are
// rebuilt.
func (c *Catalog) Fingerprint() string {
	if c == nil {
		return "none"
	}
	return c.fp
}

func fingerprint(data ...[]byte) string {
	h := sha256.New()
	for _, d := range data {
		h.Write(d)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// Extend returns a new catalogue with the classes of other added to those of
// c. A class of other whose id already exists in c replaces it in place;
// other classes are appended in their order. Neither input is modified.
func (c *Catalog) Extend(other *Catalog) *Catalog {
	c, other = c.resolve(), other.resolve()
	var base []*class
	if c != nil {
		base = c.classes
	}
	merged := make([]*class, 0, len(base)+other.Len())
	pos := make(map[string]int, len(base))
	for _, cl := range base {
		pos[cl.id] = len(merged)
		merged = append(merged, cl)
	}
	if other != nil {
		for _, cl := range other.classes {
			if i, ok := pos[cl.id]; ok {
				merged[i] = cl
				continue
			}
			pos[cl.id] = len(merged)
			merged = append(merged, cl)
		}
	}
	out := newCatalog(merged)
	out.fp = fingerprint([]byte(c.Fingerprint()), []byte(other.Fingerprint()))
	return out
}

// Len returns the number of classes.
func (c *Catalog) Len() int {
	c = c.resolve()
	if c == nil {
		return 0
	}
	return len(c.classes)
}

// Classes returns the class ids in catalogue order.
func (c *Catalog) Classes() []string {
	c = c.resolve()
	if c == nil {
		return nil
	}
	ids := make([]string, len(c.classes))
	for i, cl := range c.classes {
		ids[i] = cl.id
	}
	return ids
}

func newCatalog(classes []*class) *Catalog {
	c := &Catalog{classes: classes}
	lits := make([][]string, len(classes))
	for i, cl := range classes {
		if cl.hasDiffTriggers() {
			if len(cl.literals) == 0 {
				c.always = append(c.always, int32(i))
			}
			lits[i] = cl.literals
			if !cl.defaultExcludes {
				c.optOut = true
			}
		}
		if len(cl.notes) > 0 {
			c.notes = append(c.notes, int32(i))
		}
	}
	c.index = newLiteralIndex(lits)
	return c
}

// Match returns every class that matches ch, at most one Match per class, in
// catalogue order.
func (c *Catalog) Match(ch Change) []Match {
	c = c.resolve()
	if c == nil || len(c.classes) == 0 {
		return nil
	}
	s, _ := c.pool.Get().(*scratch)
	if s == nil {
		s = &scratch{}
	}
	defer func() {
		if cap(s.lines) <= maxPooledLines {
			c.pool.Put(s) // do not keep the buffers of a huge diff alive
		}
	}()
	s.reset(len(c.classes))

	if isBlank(ch.Diff) {
		parseNote(ch.Title, ch.Body, s)
		for _, k := range c.notes {
			for li := range s.lines {
				s.cand[k] = append(s.cand[k], int32(li))
			}
		}
	} else {
		parseDiff(ch.Diff, ch.Paths, c.optOut, s)
		c.scan(s)
	}

	s.prepare()
	var out []Match
	e := evaluator{s: s}
	for k, cl := range c.classes {
		if len(s.cand[k]) == 0 {
			continue
		}
		if m, ok := e.run(cl, s.cand[k]); ok {
			out = append(out, m)
		}
	}
	return out
}

// maxPooledLines bounds the scratch buffers kept for reuse between calls.
const maxPooledLines = 1 << 16

// scan runs the literal automaton over every eligible added/removed line and
// records, per class, the lines that may match it.
func (c *Catalog) scan(s *scratch) {
	ix := c.index
	last := s.last
	cand := s.cand
	for li := range s.lines {
		ln := &s.lines[li]
		if ln.kind != kindAdd && ln.kind != kindDel {
			continue
		}
		if ln.file >= 0 && s.files[ln.file].skipAll {
			continue
		}
		t := ln.text
		if len(t) > maxLineLen {
			continue
		}
		id := int32(li)
		st := int32(0)
		for i := 0; i < len(t); i++ {
			a := ix.sym[t[i]]
			if a == skipSym {
				continue
			}
			st = ix.next[int(st)*ix.nsym+int(a)]
			if o0, o1 := ix.outOff[st], ix.outOff[st+1]; o0 != o1 {
				for _, k := range ix.out[o0:o1] {
					if last[k] != id {
						last[k] = id
						cand[k] = append(cand[k], id)
					}
				}
			}
		}
		for _, k := range c.always {
			if last[k] != id {
				last[k] = id
				cand[k] = append(cand[k], id)
			}
		}
	}
}

func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
		default:
			return false
		}
	}
	return true
}
