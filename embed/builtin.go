package embed

import (
	"context"
	"math"
	"strconv"
	"sync"

	"github.com/analyst-dev/analyst/embed/glove"
	"github.com/analyst-dev/analyst/embed/token"
)

// BuiltinDim is the built-in embedder's dimension: hashedDim hashed buckets
// followed by glove.Dim dimensions of word meaning.
const BuiltinDim = hashedDim + glove.Dim

const hashedDim = 256

// Builtin is the offline embedder. Its vector has two halves of equal
// weight: terms (see package embed/token) and pairs of adjacent terms hashed
// into signed buckets, which match words exactly, code identifiers included;
// and the mean of the terms' GloVe word vectors (see package embed/glove),
// which brings words that mean alike ("charged", "payment") together. Both
// weigh terms by sublinear frequency; the word vectors also make frequent
// words count less. A text with no known English word has only its hashed
// half. It needs no model and no network, is deterministic, and costs
// microseconds per text, so analyst works on a fresh machine with nothing
// running.
type Builtin struct{}

// NewBuiltin returns the built-in embedder.
func NewBuiltin() Builtin { return Builtin{} }

// Name includes the tokenizer's version: a change in terms is a change in
// vectors.
func (Builtin) Name() string { return "builtin-glove-v1.t" + strconv.Itoa(token.Version) }

// Embed never fails and never blocks.
func (b Builtin) Embed(_ context.Context, texts []string, _ Purpose) ([][]float32, error) {
	out := make([][]float32, len(texts))
	sp := token.NewSplitter()
	var terms []string
	for i, t := range texts {
		terms = sp.Append(terms[:0], t)
		out[i] = b.VectorOf(terms)
	}
	return out, nil
}

// VectorOf embeds a text already split into terms (see package embed/token),
// so an indexer that tokenized a change once need not do it again.
func (b Builtin) VectorOf(terms []string) []float32 {
	for _, t := range terms {
		if containsSpace(t) {
			return vectorOfSlow(terms)
		}
	}
	sc := scratchPool.Get().(*vecScratch)
	defer scratchPool.Put(sc)
	sc.reset()
	// Distinct terms and pairs in order of first appearance: sums in a fixed
	// order give the same vector every time. A term has no space, so a pair
	// ("a b") never meets a term.
	prev := int32(-1)
	for _, t := range terms {
		k, ok := sc.ids[t]
		if !ok {
			k = int32(len(sc.uniq))
			sc.ids[t] = k
			sc.uniq = append(sc.uniq, t)
			sc.hash = append(sc.hash, glove.Hash(t))
			sc.single = append(sc.single, int32(len(sc.items)))
			sc.items = append(sc.items, vecItem{a: k, b: -1})
		}
		sc.items[sc.single[k]].n++
		if prev >= 0 {
			key := uint64(prev)<<32 | uint64(k)
			j, ok := sc.pairs[key]
			if !ok {
				j = int32(len(sc.items))
				sc.pairs[key] = j
				sc.items = append(sc.items, vecItem{a: prev, b: k})
			}
			sc.items[j].n++
		}
		prev = k
	}
	v := make([]float32, BuiltinDim)
	hashed, words := v[:hashedDim], v[hashedDim:]
	tab := glove.Load()
	for _, it := range sc.items {
		term := sc.uniq[it.a]
		w := float32(1 + math.Log(float64(it.n)))
		var h uint64
		if it.b >= 0 {
			// The hash of term+" "+second, without building the string.
			h = fnvMore(fnvMore(sc.hash[it.a], " "), sc.uniq[it.b])
			w *= 0.5 // pairs add order, but less than single terms
		} else {
			h = sc.hash[it.a]
			tab.AddTo(words, term, w)
		}
		if h>>63 == 1 {
			w = -w
		}
		hashed[h%hashedDim] += w
	}
	// Each half unit-length, then the whole: for two texts that both have
	// known words, the cosine is the mean of the halves' cosines.
	Normalize(hashed)
	Normalize(words)
	return Normalize(v)
}

// vecItem is a distinct term (b < 0) or pair of terms, by number, and how
// many times it occurs.
type vecItem struct {
	a, b int32
	n    int32
}

// vecScratch is VectorOf's working memory, reused between calls.
type vecScratch struct {
	ids    map[string]int32
	pairs  map[uint64]int32
	uniq   []string
	hash   []uint64 // glove.Hash of each distinct term
	single []int32  // item of each distinct term
	items  []vecItem
}

func (sc *vecScratch) reset() {
	clear(sc.ids)
	clear(sc.pairs)
	clear(sc.uniq) // drop references to the last text's terms
	sc.uniq = sc.uniq[:0]
	sc.hash = sc.hash[:0]
	sc.single = sc.single[:0]
	sc.items = sc.items[:0]
}

var scratchPool = sync.Pool{New: func() any {
	return &vecScratch{ids: make(map[string]int32, 1024), pairs: make(map[uint64]int32, 2048)}
}}

// fnvMore continues glove.Hash (FNV-1a) over s.
func fnvMore(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// vectorOfSlow is VectorOf for terms that contain spaces (never made by
// package embed/token), keyed by the joined strings.
func vectorOfSlow(terms []string) []float32 {
	counts := make(map[string]int, 2*len(terms))
	order := make([]string, 0, 2*len(terms))
	for i, t := range terms {
		if counts[t]++; counts[t] == 1 {
			order = append(order, t)
		}
		if i > 0 {
			p := terms[i-1] + " " + t
			if counts[p]++; counts[p] == 1 {
				order = append(order, p)
			}
		}
	}
	v := make([]float32, BuiltinDim)
	hashed, words := v[:hashedDim], v[hashedDim:]
	tab := glove.Load()
	for _, term := range order {
		h := glove.Hash(term)
		w := float32(1 + math.Log(float64(counts[term])))
		if containsSpace(term) {
			w *= 0.5 // pairs add order, but less than single terms
		} else {
			tab.AddTo(words, term, w)
		}
		if h>>63 == 1 {
			w = -w
		}
		hashed[h%hashedDim] += w
	}
	Normalize(hashed)
	Normalize(words)
	return Normalize(v)
}

func containsSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			return true
		}
	}
	return false
}
