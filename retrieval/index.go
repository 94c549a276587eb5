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
	"runtime"
	"sort"
	"strings"
	"sync"
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
	// Files is how many files the change touched (all of them, also when
	// the stored paths were cut).
	Files int
	// Root marks the first commit of a history.
	Root bool
	// SupportOnly marks a commit that touched only tests, documentation,
	// vendored, generated or lock files.
	SupportOnly bool
	// EnrichedAt is when the enrichment in the enrich field was made (unix
	// seconds, 0 for none): it counts only for incidents after it.
	EnrichedAt int64
	EnrichHash uint64
	// EnrichVec is the built-in vector of the enrichment (nil for none).
	EnrichVec []float32
	Hits      []Hit
	Hash      uint64
	Len       [numFields]uint32
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
	// EnrichMark is the highest enrichment sequence number it covers.
	EnrichMark int64
	Docs       []Doc
	terms      map[string]int32
	postings   [][]posting
	// Builtin holds the built-in embedder's vector of each doc.
	Builtin [][]float32
	// Dense holds an Ollama embedder's vectors by doc id, if any.
	Dense *DenseSet

	cat  *catalog.Catalog
	byID map[string]int
	// stored is the mapped file the index was loaded from, if any.
	stored *storedIndex
	// warm holds entries prepared ahead, while they were being captured.
	warm *Warm
}

// DenseSet is a set of vectors from one named embedder.
type DenseSet struct {
	Name string
	Dim  int
	Vecs map[string][]float32 // by entry id
	Hash map[string]uint64    // content hash each vector was made from
	// stored is the mapped region of a loaded set's vectors.
	stored []float32
}

// denseMaxDiff is how much diff text an Ollama embedder is sent.
const denseMaxDiff = 16 << 10

// NewIndex returns an empty index that matches changes against cat.
func NewIndex(cat *catalog.Catalog) *Index {
	return &Index{Version: versionOf(cat), terms: map[string]int32{}, cat: cat, byID: map[string]int{}}
}

func versionOf(cat *catalog.Catalog) string {
	v := fmt.Sprintf("idx9.t%d.%s", token.Version, embed.NewBuiltin().Name())
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
	// Decide what to index, in order; then tokenize, match and embed in
	// parallel; then add to the postings in order, so doc numbers and files
	// come out the same on every run.
	var todo []*journal.Entry
	seen := map[string]bool{}
	for k := range entries {
		e := &entries[k]
		if e.Seq > ix.Watermark {
			ix.Watermark = e.Seq
		}
		// Hash the content only for entries indexed before: new entries
		// (the warm path checks theirs when taking them) need no second pass.
		if i, ok := ix.byID[e.ID]; ok && ix.Docs[i].Hash == contentHash(e) && ix.Docs[i].EnrichHash == enrichHash(e) || seen[e.ID] {
			continue
		}
		seen[e.ID] = true
		if _, ok := ix.byID[e.ID]; ok {
			ix.remove(e.ID)
		}
		todo = append(todo, e)
	}
	prepared := make([]preparedDoc, len(todo))
	var cold []int // entries nobody prepared ahead
	for k, e := range todo {
		if pd, ok := ix.warm.take(ix.cat, e); ok {
			prepared[k] = pd
			continue
		}
		cold = append(cold, k)
	}
	workers := min(runtime.GOMAXPROCS(0), max(1, len(cold)/16))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sp := token.NewSplitter()
			for i := w; i < len(cold); i += workers {
				if ctx.Err() != nil {
					return
				}
				k := cold[i]
				prepared[k] = ix.prepare(sp, todo[k])
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for k := range prepared {
		ix.insert(&prepared[k])
	}
	return nil
}

// insert appends a prepared doc that is not in the index yet.
func (ix *Index) insert(pd *preparedDoc) {
	if pd.doc.Seq > ix.Watermark {
		ix.Watermark = pd.doc.Seq
	}
	doc := uint32(len(ix.Docs))
	for _, tc := range pd.terms {
		id, ok := ix.terms[tc.term]
		if !ok {
			id = int32(len(ix.postings))
			ix.terms[tc.term] = id
			ix.postings = append(ix.postings, nil)
		}
		ix.postings[id] = append(ix.postings[id], posting{doc: doc, tf: tc.tf})
	}
	ix.byID[pd.doc.ID] = len(ix.Docs)
	ix.Docs = append(ix.Docs, pd.doc)
	ix.Builtin = append(ix.Builtin, pd.vec)
}

// preparedDoc is one entry tokenized, matched and embedded, ready to add.
type preparedDoc struct {
	doc   Doc
	terms []termCount
	vec   []float32
}

type termCount struct {
	term string
	tf   [numFields]uint8
}

// embedFields are the fields the built-in embedder reads, in order; the diff
// is cut to builtinMaxTerms terms so it cannot drown the message.
var embedFields = [...]int{fieldTitle, fieldBody, fieldSymptoms, fieldPaths, fieldFuncs, fieldDiff}

const builtinMaxTerms = 2500

// supportOnly reports whether a commit touched only tests, documentation and
// the like (all of its paths known).
func supportOnly(e *journal.Entry) bool {
	if e.Kind != journal.KindCommit || len(e.Paths) == 0 || e.Meta.Files > len(e.Paths) {
		return false
	}
	for _, p := range e.Paths {
		if !catalog.IsSupportFile(p) {
			return false
		}
	}
	return true
}

// docHeader is the part of a Doc read straight from the entry.
func docHeader(e *journal.Entry) Doc {
	d := Doc{ID: e.ID, Seq: e.Seq, Time: e.Time.Unix(), Repo: e.Repo, Kind: e.Kind, Ref: e.Ref,
		Title: truncate(e.Title, 300), Reverts: e.Meta.Reverts, Files: max(e.Meta.Files, len(e.Paths)), Root: e.Meta.Root,
		Hash: contentHash(e), SupportOnly: supportOnly(e), EnrichHash: enrichHash(e)}
	if e.Enrichment != nil {
		d.EnrichedAt = e.Enrichment.Made.Unix()
	}
	return d
}

func (ix *Index) prepare(sp *token.Splitter, e *journal.Entry) preparedDoc {
	return prepareEntry(sp, ix.cat, e)
}

func prepareEntry(sp *token.Splitter, cat *catalog.Catalog, e *journal.Entry) preparedDoc {
	fields, hits := docFields(e, cat)
	pd := preparedDoc{doc: docHeader(e)}
	pd.doc.Hits = hits
	sc := prepPool.Get().(*prepScratch)
	defer prepPool.Put(sc)
	sc.reset()
	for f := range numFields {
		keep := f != fieldContext
		sp.Each(fields[f], func(t string) {
			k, ok := sc.ids[t]
			if !ok {
				k = int32(len(sc.terms))
				sc.ids[t] = k
				sc.terms = append(sc.terms, t)
				sc.counts = append(sc.counts, [numFields]uint32{})
			}
			sc.counts[k][f]++
			pd.doc.Len[f]++
			if keep && (f != fieldDiff || len(sc.perField[f]) < builtinMaxTerms) {
				sc.perField[f] = append(sc.perField[f], t)
			}
		})
	}
	// In order of first appearance, the same on every run (the saved file
	// lists terms sorted whatever the order).
	pd.terms = make([]termCount, len(sc.terms))
	for k, t := range sc.terms {
		// Terms may share memory with the splitter's cache, never with the
		// entry's text (see token.Splitter.Each): no copy is needed.
		tc := termCount{term: t}
		for f := range numFields {
			tc.tf[f] = uint8(min(sc.counts[k][f], 255))
		}
		pd.terms[k] = tc
	}
	seq := sc.seq[:0]
	for _, f := range embedFields {
		seq = append(seq, sc.perField[f]...)
	}
	sc.seq = seq
	pd.vec = embed.NewBuiltin().VectorOf(seq)
	if len(sc.perField[fieldEnrich]) > 0 {
		// The enrichment has a vector of its own, beside the change's:
		// unlike the change's, it counts only after it was made.
		pd.doc.EnrichVec = embed.NewBuiltin().VectorOf(sc.perField[fieldEnrich])
	}
	return pd
}

// prepScratch is prepareEntry's working memory, reused between entries.
type prepScratch struct {
	ids      map[string]int32
	terms    []string
	counts   [][numFields]uint32
	perField [numFields][]string
	seq      []string
}

func (sc *prepScratch) reset() {
	clear(sc.ids)
	clear(sc.terms)
	sc.terms = sc.terms[:0]
	sc.counts = sc.counts[:0]
	for f := range sc.perField {
		clear(sc.perField[f])
		sc.perField[f] = sc.perField[f][:0]
	}
	clear(sc.seq)
	sc.seq = sc.seq[:0]
}

var prepPool = sync.Pool{New: func() any { return &prepScratch{ids: make(map[string]int32, 1024)} }}

// remove drops a doc, keeping doc numbers dense. It is rare (an entry whose
// text changed), so it rebuilds postings.
func (ix *Index) remove(id string) {
	i, ok := ix.byID[id]
	if !ok {
		return
	}
	ix.materialize() // doc numbers change
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
	return embedText(&fields, denseMaxDiff)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

func unix(t time.Time) int64 { return t.Unix() }
