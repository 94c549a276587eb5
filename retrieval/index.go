// Package retrieval ranks the journal's changes as suspects for an incident.
//
// It keeps a derived index beside the journal: for every entry, its terms per
// field (for BM25F lexical ranking), the change classes it matched, and its
// vectors from the built-in embedder (always) and from an Ollama embedder
// (when one built them). The index can always be rebuilt from the journal and
// records what built it (tokenizer, catalogue, embedders); anything else
// means a rebuild, never mixing.
//
// Ranking honours the incident's time strictly: candidates are the entries
// before --at, and every statistic (document counts, term frequencies,
// average lengths) is computed over those candidates alone, so entries
// recorded later cannot change an answer.
package retrieval

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/analyst-dev/analyst/embed"
	"github.com/analyst-dev/analyst/embed/token"
	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval/catalog"
)

// Doc is what the index keeps of one journal entry.
type Doc struct {
	ID      string
	Seq     int64
	Time    int64 // unix seconds
	Repo    string
	Kind    string
	Ref     string
	Title   string
	Reverts string
	Hits    []Hit
	Hash    uint64
	Len     [numFields]uint32
}

// posting is one document's term frequencies per field (capped at 255).
type posting struct {
	doc uint32
	tf  [numFields]uint8
}

// Index is the in-memory derived index.
type Index struct {
	// Version fingerprints what built the index: tokenizer, catalogue and
	// built-in embedder. A stored index with another fingerprint is rebuilt.
	Version string
	// Watermark is the highest journal sequence number the index covers.
	Watermark int64
	Docs      []Doc
	terms     map[string]int32
	postings  [][]posting
	// Builtin holds the built-in embedder's vector of each doc.
	Builtin [][]float32
	// Dense holds an Ollama embedder's vectors by doc id, if any.
	Dense *DenseSet

	cat  *catalog.Catalog
	byID map[string]int
}

// DenseSet is a set of vectors from one named embedder.
type DenseSet struct {
	Name string
	Dim  int
	Vecs map[string][]float32 // by entry id
	Hash map[string]uint64    // content hash each vector was made from
}

// builtinMaxDiff is how much diff text the built-in embedder reads.
const builtinMaxDiff = 16 << 10

// NewIndex returns an empty index that matches changes against cat.
func NewIndex(cat *catalog.Catalog) *Index {
	return &Index{Version: versionOf(cat), terms: map[string]int32{}, cat: cat, byID: map[string]int{}}
}

func versionOf(cat *catalog.Catalog) string {
	v := fmt.Sprintf("idx3.t%d.%s", token.Version, embed.NewBuiltin().Name())
	if cat != nil {
		v += ".c" + cat.Fingerprint()
	}
	return v
}

// Len returns the number of docs.
func (ix *Index) Len() int { return len(ix.Docs) }

// Has reports whether the entry with id is indexed with the given content hash.
func (ix *Index) Has(id string, hash uint64) bool {
	i, ok := ix.byID[id]
	return ok && ix.Docs[i].Hash == hash
}

// Add indexes entries (tokenizing, matching classes, embedding with the
// built-in embedder). An entry already indexed with the same content is
// skipped; one whose content changed is replaced.
func (ix *Index) Add(ctx context.Context, entries []journal.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	sp := token.NewSplitter()
	texts := make([]string, 0, len(entries))
	newDocs := make([]int, 0, len(entries))
	counts := make(map[string]*[numFields]uint32, 256)
	for k := range entries {
		e := &entries[k]
		if e.Seq > ix.Watermark {
			ix.Watermark = e.Seq
		}
		h := contentHash(e)
		if ix.Has(e.ID, h) {
			continue
		}
		if _, ok := ix.byID[e.ID]; ok {
			ix.remove(e.ID)
		}
		fields, hits := docFields(e, ix.cat)
		d := Doc{ID: e.ID, Seq: e.Seq, Time: e.Time.Unix(), Repo: e.Repo, Kind: e.Kind, Ref: e.Ref,
			Title: truncate(e.Title, 300), Reverts: e.Meta.Reverts, Hits: hits, Hash: h}
		clear(counts)
		for f := range numFields {
			sp.Each(fields[f], func(t string) {
				c := counts[t]
				if c == nil {
					c = new([numFields]uint32)
					counts[t] = c
				}
				c[f]++
				d.Len[f]++
			})
		}
		doc := uint32(len(ix.Docs))
		for t, c := range counts {
			var p posting
			p.doc = doc
			for f := range numFields {
				p.tf[f] = uint8(min(c[f], 255))
			}
			id, ok := ix.terms[t]
			if !ok {
				id = int32(len(ix.postings))
				ix.terms[strings.Clone(t)] = id
				ix.postings = append(ix.postings, nil)
			}
			ix.postings[id] = append(ix.postings[id], p)
		}
		ix.byID[d.ID] = len(ix.Docs)
		ix.Docs = append(ix.Docs, d)
		newDocs = append(newDocs, len(ix.Docs)-1)
		texts = append(texts, embedText(&fields, builtinMaxDiff))
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	vecs, _ := embed.NewBuiltin().Embed(ctx, texts, embed.Document)
	for len(ix.Builtin) < len(ix.Docs) {
		ix.Builtin = append(ix.Builtin, nil)
	}
	for k, i := range newDocs {
		ix.Builtin[i] = vecs[k]
	}
	return nil
}

// remove drops a doc, keeping doc numbers dense. It is rare (an entry whose
// text changed), so it rebuilds postings.
func (ix *Index) remove(id string) {
	i, ok := ix.byID[id]
	if !ok {
		return
	}
	last := len(ix.Docs) - 1
	for t, pid := range ix.terms {
		ps := ix.postings[pid]
		out := ps[:0]
		for _, p := range ps {
			switch int(p.doc) {
			case i:
				continue
			case last:
				p.doc = uint32(i)
			}
			out = append(out, p)
		}
		if len(out) == 0 {
			delete(ix.terms, t)
		}
		ix.postings[pid] = out
		sort.Slice(out, func(a, b int) bool { return out[a].doc < out[b].doc })
	}
	ix.Docs[i] = ix.Docs[last]
	ix.Docs = ix.Docs[:last]
	if i < len(ix.Builtin) && last < len(ix.Builtin) {
		ix.Builtin[i] = ix.Builtin[last]
		ix.Builtin = ix.Builtin[:last]
	}
	delete(ix.byID, id)
	if i < last {
		ix.byID[ix.Docs[i].ID] = i
	}
}

// Doc returns the doc for an entry id.
func (ix *Index) Doc(id string) (Doc, bool) {
	i, ok := ix.byID[id]
	if !ok {
		return Doc{}, false
	}
	return ix.Docs[i], true
}

// TextForEmbedding returns what an embedder sees of an entry.
func (ix *Index) TextForEmbedding(e *journal.Entry) string {
	fields, _ := docFields(e, ix.cat)
	return embedText(&fields, builtinMaxDiff)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

func unix(t time.Time) int64 { return t.Unix() }
