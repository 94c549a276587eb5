package retrieval

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/analyst-dev/analyst/retrieval/catalog"
)

// ErrDamaged means a stored index could not be read back whole; the caller
// rebuilds it from the journal.
var ErrDamaged = errors.New("index file damaged")

const (
	indexMagic = "ANLYSTIX"
	denseMagic = "ANLYSTVX"
	fileFormat = 1
)

// Save writes the index to path atomically (a temporary file renamed over the
// old one), so a reader sees the old index or the new one, never a mix, and a
// crash leaves the old one.
func (ix *Index) Save(path string) error {
	return writeAtomic(path, func(w *writer) {
		w.str(indexMagic)
		w.u64(fileFormat)
		w.str(ix.Version)
		w.i64(ix.Watermark)
		w.i64(ix.EnrichMark)
		w.u64(uint64(len(ix.Docs)))
		for i := range ix.Docs {
			d := &ix.Docs[i]
			w.str(d.ID)
			w.i64(d.Seq)
			w.i64(d.Time)
			w.str(d.Repo)
			w.str(d.Kind)
			w.str(d.Ref)
			w.str(d.Title)
			w.str(d.Reverts)
			w.u64(uint64(d.Files))
			w.u64(uint64(boolInt(d.Root) | boolInt(d.SupportOnly)<<1))
			w.u64(d.Hash)
			w.i64(d.EnrichedAt)
			w.u64(d.EnrichHash)
			w.vec(d.EnrichVec)
			for f := range numFields {
				w.u64(uint64(d.Len[f]))
			}
			w.u64(uint64(len(d.Hits)))
			for _, h := range d.Hits {
				w.str(h.Class)
				w.str(h.Reason)
				w.str(h.Evidence)
			}
		}
		w.u64(uint64(len(ix.terms)))
		for t, id := range ix.terms {
			w.str(t)
			ps := ix.postings[id]
			w.u64(uint64(len(ps)))
			prev := uint32(0)
			for _, p := range ps {
				w.u64(uint64(p.doc - prev))
				prev = p.doc
				w.bytes(p.tf[:])
			}
		}
		for i := range ix.Docs {
			w.vec(ix.Builtin[i])
		}
	})
}

// Load reads an index saved by Save. A missing file gives os.ErrNotExist; a
// damaged one ErrDamaged.
func Load(path string, cat *catalog.Catalog) (*Index, error) {
	ix := NewIndex(cat)
	err := readFile(path, indexMagic, func(r *reader) {
		version := r.str()
		if r.err == nil && version != ix.Version {
			r.err = errStale
			return
		}
		ix.Watermark = r.i64()
		ix.EnrichMark = r.i64()
		n := r.count()
		ix.Docs = make([]Doc, n)
		for i := range ix.Docs {
			d := &ix.Docs[i]
			d.ID, d.Seq, d.Time = r.str(), r.i64(), r.i64()
			d.Repo, d.Kind, d.Ref, d.Title, d.Reverts = r.str(), r.str(), r.str(), r.str(), r.str()
			d.Files = int(r.u64())
			flags := r.u64()
			d.Root, d.SupportOnly = flags&1 != 0, flags&2 != 0
			d.Hash = r.u64()
			d.EnrichedAt, d.EnrichHash = r.i64(), r.u64()
			if d.EnrichVec = r.vec(); len(d.EnrichVec) == 0 {
				d.EnrichVec = nil
			}
			for f := range numFields {
				d.Len[f] = uint32(r.u64())
			}
			if h := r.count(); h > 0 {
				d.Hits = make([]Hit, h)
				for k := range d.Hits {
					d.Hits[k] = Hit{Class: r.str(), Reason: r.str(), Evidence: r.str()}
				}
			}
			ix.byID[d.ID] = i
			if r.err != nil {
				return
			}
		}
		nt := r.count()
		ix.terms = make(map[string]int32, nt)
		ix.postings = make([][]posting, 0, nt)
		for range nt {
			t := r.str()
			np := r.count()
			ps := make([]posting, np)
			prev := uint32(0)
			for k := range ps {
				prev += uint32(r.u64())
				ps[k].doc = prev
				r.read(ps[k].tf[:])
				if int(prev) >= n {
					r.err = ErrDamaged
				}
			}
			if r.err != nil {
				return
			}
			ix.terms[t] = int32(len(ix.postings))
			ix.postings = append(ix.postings, ps)
		}
		ix.Builtin = make([][]float32, n)
		for i := range ix.Builtin {
			ix.Builtin[i] = r.vec()
		}
	})
	if err != nil {
		return nil, err
	}
	return ix, nil
}

// errStale means the file was built by another version; treated as missing.
var errStale = errors.New("index built by another version")

// IsStale reports whether err from Load means the index must be rebuilt for
// this version of analyst (not damage).
func IsStale(err error) bool { return errors.Is(err, errStale) }

// Save writes the dense vectors atomically.
func (ds *DenseSet) Save(path string) error {
	return writeAtomic(path, func(w *writer) {
		w.str(denseMagic)
		w.u64(fileFormat)
		w.str(ds.Name)
		w.u64(uint64(ds.Dim))
		w.u64(uint64(len(ds.Vecs)))
		for id, v := range ds.Vecs {
			w.str(id)
			w.u64(ds.Hash[id])
			w.vec(v)
		}
	})
}

// LoadDense reads vectors saved by DenseSet.Save.
func LoadDense(path string) (*DenseSet, error) {
	ds := &DenseSet{Vecs: map[string][]float32{}, Hash: map[string]uint64{}}
	err := readFile(path, denseMagic, func(r *reader) {
		ds.Name = r.str()
		ds.Dim = int(r.u64())
		n := r.count()
		for range n {
			id, h, v := r.str(), r.u64(), r.vec()
			if r.err != nil {
				return
			}
			if len(v) != ds.Dim {
				r.err = ErrDamaged
				return
			}
			ds.Vecs[id], ds.Hash[id] = v, h
		}
	})
	if err != nil {
		return nil, err
	}
	return ds, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// DensePath returns the file that holds an embedder's vectors in dir.
func DensePath(dir, embedder string) string {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, embedder)
	return filepath.Join(dir, "vectors-"+safe+".bin")
}

// ---- binary encoding ----

type writer struct {
	bw  *bufio.Writer
	crc uint32
	buf [binary.MaxVarintLen64]byte
	err error
}

func (w *writer) write(b []byte) {
	if w.err != nil {
		return
	}
	w.crc = crc32.Update(w.crc, crc32.IEEETable, b)
	_, w.err = w.bw.Write(b)
}
func (w *writer) u64(v uint64)   { n := binary.PutUvarint(w.buf[:], v); w.write(w.buf[:n]) }
func (w *writer) i64(v int64)    { n := binary.PutVarint(w.buf[:], v); w.write(w.buf[:n]) }
func (w *writer) bytes(b []byte) { w.write(b) }
func (w *writer) str(s string)   { w.u64(uint64(len(s))); w.write([]byte(s)) }
func (w *writer) vec(v []float32) {
	w.u64(uint64(len(v)))
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	w.write(b)
}

func writeAtomic(path string, fill func(*writer)) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("writing index: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing index: %w", err)
	}
	defer os.Remove(f.Name()) // after a successful rename this fails harmlessly
	w := &writer{bw: bufio.NewWriterSize(f, 1<<20)}
	fill(w)
	// Trailer: the checksum of everything before it.
	var tail [4]byte
	binary.LittleEndian.PutUint32(tail[:], w.crc)
	if w.err == nil {
		_, w.err = w.bw.Write(tail[:])
	}
	if w.err == nil {
		w.err = w.bw.Flush()
	}
	if w.err == nil {
		w.err = f.Sync()
	}
	if cerr := f.Close(); w.err == nil {
		w.err = cerr
	}
	if w.err == nil {
		w.err = os.Rename(f.Name(), path)
	}
	if w.err != nil {
		return fmt.Errorf("writing index: %w", w.err)
	}
	return nil
}

type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) u64() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		r.err = ErrDamaged
		return 0
	}
	r.off += n
	return v
}

func (r *reader) i64() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b[r.off:])
	if n <= 0 {
		r.err = ErrDamaged
		return 0
	}
	r.off += n
	return v
}

// count reads a length and checks it against what is left, so a damaged
// length cannot make us allocate gigabytes.
func (r *reader) count() int {
	n := r.u64()
	if n > uint64(len(r.b)-r.off) {
		r.err = ErrDamaged
		return 0
	}
	return int(n)
}

func (r *reader) read(dst []byte) {
	if r.err != nil {
		return
	}
	if len(r.b)-r.off < len(dst) {
		r.err = ErrDamaged
		return
	}
	copy(dst, r.b[r.off:])
	r.off += len(dst)
}

func (r *reader) str() string {
	n := r.count()
	if r.err != nil {
		return ""
	}
	s := string(r.b[r.off : r.off+n])
	r.off += n
	return s
}

func (r *reader) vec() []float32 {
	n := r.count()
	if r.err != nil || n*4 > len(r.b)-r.off {
		r.err = ErrDamaged
		return nil
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(r.b[r.off+4*i:]))
	}
	r.off += 4 * n
	return v
}

func readFile(path, magic string, parse func(*reader)) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if len(b) < 4 {
		return ErrDamaged
	}
	body := b[:len(b)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return ErrDamaged
	}
	r := &reader{b: body}
	if r.str() != magic {
		return ErrDamaged
	}
	if v := r.u64(); r.err == nil && v != fileFormat {
		return errStale
	}
	parse(r)
	if r.err != nil {
		return r.err
	}
	if r.off != len(body) {
		return ErrDamaged
	}
	return nil
}
