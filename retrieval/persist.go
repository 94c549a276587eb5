package retrieval

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"unsafe"

	"github.com/analyst-dev/analyst/retrieval/catalog"
)

// ErrDamaged means a stored index could not be read back whole; the caller
// rebuilds it from the journal.
var ErrDamaged = errors.New("index file damaged")

// Stored files (format 2) are laid out to be mapped and used in place, so an
// ask reads only what it needs and copies no vectors:
//
//	magic [8]byte, format u32, endian mark u32, sections u32, 0 u32,
//	sections × {offset u64, length u64, crc32 u32, 0 u32}, header crc32 u32
//	sections, each starting on a 64-byte boundary
//
// Every number is little-endian whatever the host (a big-endian host copies
// instead of viewing). Each section carries its own CRC-32, all checked when
// the file is opened (about 13 ms for 300 MB here), so damage anywhere is
// still found before anything is used.
//
// The index file's sections: meta (varints: version, watermarks, counts),
// docs (varint records), a dictionary of fixed 24-byte records sorted by
// term {term offset u64, postings offset u64, term length u32, postings
// u32}, the terms' bytes, the postings (per term: doc delta varint and one
// tf byte per field), and the built-in vectors as one float32 region, one
// row per doc, normalised as chromem-go normalises them.
//
// The dense file's: meta (varints: name, dimension, count), ids (varint
// strings), content hashes (u64 each) and the vectors (float32 rows, also
// normalised).
const (
	indexMagic = "ANLYSTIX"
	denseMagic = "ANLYSTVX"
	fileFormat = 2
	endianMark = 0x01020304
	align      = 64
	headerMin  = 24
)

const (
	secMeta = iota
	secDocs
	secDict
	secTerms
	secPostings
	secVectors
	numIndexSections
)

const (
	dsecMeta = iota
	dsecIDs
	dsecHashes
	dsecVectors
	numDenseSections
)

const dictRecord = 24

// littleEndian reports whether this host stores numbers as the files do.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// Save writes the index to path atomically (a temporary file renamed over the
// old one), so a reader sees the old index or the new one, never a mix, and a
// crash leaves the old one.
func (ix *Index) Save(path string) error {
	dim := 0
	for _, v := range ix.Builtin {
		if len(v) > 0 {
			dim = len(v)
			break
		}
	}
	terms := ix.allTerms()
	return writeAtomic(path, indexMagic, numIndexSections, func(w *writer) {
		w.begin(secMeta)
		w.str(ix.Version)
		w.i64(ix.Watermark)
		w.i64(ix.EnrichMark)
		w.u64(uint64(len(ix.Docs)))
		w.u64(uint64(dim))
		w.u64(uint64(len(terms)))
		w.end()
		w.begin(secDocs)
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
			w.u64(uint64(len(d.EnrichVec)))
			w.floats(d.EnrichVec)
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
		w.end()
		// Postings first into memory (they are small beside the vectors)
		// so the dictionary can give their offsets.
		var post []byte
		dict := make([]byte, 0, dictRecord*len(terms))
		var termOff uint64
		var tmp [binary.MaxVarintLen64]byte
		for _, t := range terms {
			ps := ix.postingsOf(t)
			dict = binary.LittleEndian.AppendUint64(dict, termOff)
			dict = binary.LittleEndian.AppendUint64(dict, uint64(len(post)))
			dict = binary.LittleEndian.AppendUint32(dict, uint32(len(t)))
			dict = binary.LittleEndian.AppendUint32(dict, uint32(len(ps)))
			termOff += uint64(len(t))
			prev := uint32(0)
			for _, p := range ps {
				n := binary.PutUvarint(tmp[:], uint64(p.doc-prev))
				post = append(post, tmp[:n]...)
				post = append(post, p.tf[:]...)
				prev = p.doc
			}
		}
		w.begin(secDict)
		w.write(dict)
		w.end()
		w.begin(secTerms)
		for _, t := range terms {
			w.write([]byte(t))
		}
		w.end()
		w.begin(secPostings)
		w.write(post)
		w.end()
		w.begin(secVectors)
		zero := make([]float32, dim)
		for _, v := range ix.Builtin {
			if len(v) != dim {
				v = zero // nothing to compare, as an empty change
			}
			w.floats(normalized(v))
		}
		w.end()
	})
}

// Load reads an index saved by Save. A missing file gives os.ErrNotExist; a
// damaged one ErrDamaged. The file is mapped, not read: docs are decoded, but
// postings are decoded only for the terms a query asks for and the vectors
// are used where they lie.
func Load(path string, cat *catalog.Catalog) (*Index, error) {
	return load(path, cat, false)
}

// LoadForQuery is Load for an index that is only queried: the built-in
// vectors' checksum is checked when they are first read (see
// CheckVectors), so that a question ranked with other vectors neither
// reads nor keeps them in memory.
func LoadForQuery(path string, cat *catalog.Catalog) (*Index, error) {
	return load(path, cat, true)
}

func load(path string, cat *catalog.Catalog, lazy bool) (*Index, error) {
	ix := NewIndex(cat)
	sec := -1
	if lazy {
		sec = secVectors
	}
	m, secs, sum, err := openMappedLazy(path, indexMagic, numIndexSections, sec)
	if err != nil {
		return nil, err
	}
	err = ix.decode(m, secs)
	if err != nil {
		unmap(m)
		return nil, err
	}
	if lazy {
		region, want := secs[secVectors], sum
		ix.stored.check = sync.OnceValue(func() error {
			if crc32.ChecksumIEEE(region) != want {
				return ErrDamaged
			}
			return nil
		})
	}
	return ix, nil
}

// CheckVectors reports ErrDamaged if the built-in vectors of an index
// loaded with LoadForQuery are not what was saved. It reads them once.
func (ix *Index) CheckVectors() error {
	if ix.stored == nil || ix.stored.check == nil {
		return nil
	}
	return ix.stored.check()
}

func (ix *Index) decode(m []byte, secs [][]byte) error {
	r := &reader{b: secs[secMeta]}
	if version := r.str(); r.err == nil && version != ix.Version {
		return errStale
	}
	ix.Watermark = r.i64()
	ix.EnrichMark = r.i64()
	n, dim, nt := r.u64(), r.u64(), r.u64()
	if r.err != nil || r.off != len(r.b) || n > uint64(len(secs[secDocs])) || dim > uint64(len(secs[secVectors])) ||
		nt > uint64(len(secs[secDict])) {
		return ErrDamaged
	}
	return ix.decodeDocs(secs, int(n), int(dim), int(nt))
}

func (ix *Index) decodeDocs(secs [][]byte, n, dim, nt int) error {
	if len(secs[secDict]) != nt*dictRecord || len(secs[secVectors]) != 4*n*dim {
		return ErrDamaged
	}
	// Docs: strings point into the mapping, as the vectors do. The file is
	// never changed in place (saves rename a new file over it), so they
	// stay as they were read; copying them cost 30 ms at 100k entries.
	r := &reader{b: secs[secDocs], view: true}
	ix.Docs = make([]Doc, n)
	ix.byID = make(map[string]int, n)
	for i := range ix.Docs {
		d := &ix.Docs[i]
		d.ID, d.Seq, d.Time = r.str(), r.i64(), r.i64()
		d.Repo, d.Kind, d.Ref, d.Title, d.Reverts = r.str(), r.str(), r.str(), r.str(), r.str()
		d.Files = int(r.u64())
		flags := r.u64()
		d.Root, d.SupportOnly = flags&1 != 0, flags&2 != 0
		d.Hash = r.u64()
		d.EnrichedAt, d.EnrichHash = r.i64(), r.u64()
		d.EnrichVec = r.vec()
		for f := range numFields {
			d.Len[f] = uint32(r.u64())
		}
		if h := r.count(); h > 0 {
			d.Hits = make([]Hit, h)
			for k := range d.Hits {
				d.Hits[k] = Hit{Class: r.str(), Reason: r.str(), Evidence: r.str()}
			}
		}
		if r.err != nil {
			return r.err
		}
		ix.byID[d.ID] = i
	}
	if r.off != len(r.b) {
		return ErrDamaged
	}
	ix.stored = &storedIndex{disk: &diskIndex{dict: secs[secDict], terms: secs[secTerms], postings: secs[secPostings], docs: n}}
	ix.Builtin = make([][]float32, n)
	if n*dim > 0 {
		flat := floatsOf(secs[secVectors])
		ix.stored.vecs = flat
		for i := range ix.Builtin {
			ix.Builtin[i] = flat[i*dim : (i+1)*dim : (i+1)*dim]
		}
	} else {
		for i := range ix.Builtin {
			ix.Builtin[i] = []float32{}
		}
	}
	return nil
}

// storedIndex is what an index loaded from a file still reads from it.
type storedIndex struct {
	// disk is nil once its postings were moved into memory.
	disk *diskIndex
	// vecs is the built-in vectors' region (unit length or zero).
	vecs []float32
	// check, when set, verifies vecs against the saved checksum, once.
	check func() error
}

// within reports whether v lies in region, a stored (so normalised) region.
func within(region, v []float32) bool {
	if len(region) == 0 || len(v) == 0 {
		return false
	}
	p, lo := uintptr(unsafe.Pointer(unsafe.SliceData(v))), uintptr(unsafe.Pointer(unsafe.SliceData(region)))
	return p >= lo && p < lo+4*uintptr(len(region))
}

// diskIndex is the part of the term index still in the mapped file: the
// postings of docs 0..docs-1. Postings of docs added since live in
// Index.terms and Index.postings.
type diskIndex struct {
	dict, terms, postings []byte
	docs                  int
}

// lookup returns the stored postings of t, decoded.
func (di *diskIndex) lookup(t string) []posting {
	n := len(di.dict) / dictRecord
	i := sort.Search(n, func(i int) bool { return di.term(i) >= t })
	if i == n || di.term(i) != t {
		return nil
	}
	rec := di.dict[i*dictRecord:]
	off := binary.LittleEndian.Uint64(rec[8:])
	cnt := int(binary.LittleEndian.Uint32(rec[20:]))
	if off > uint64(len(di.postings)) || cnt > len(di.postings) {
		return nil
	}
	r := &reader{b: di.postings[off:]}
	ps := make([]posting, cnt)
	prev := uint32(0)
	for k := range ps {
		prev += uint32(r.u64())
		ps[k].doc = prev
		r.read(ps[k].tf[:])
		if r.err != nil || int(prev) >= di.docs {
			return nil // the CRC passed, so this is not damage we can see
		}
	}
	return ps
}

func (di *diskIndex) term(i int) string {
	rec := di.dict[i*dictRecord:]
	off := binary.LittleEndian.Uint64(rec)
	n := uint64(binary.LittleEndian.Uint32(rec[16:]))
	if off > uint64(len(di.terms)) || n > uint64(len(di.terms))-off {
		return ""
	}
	return unsafe.String(unsafe.SliceData(di.terms[off:]), int(n))
}

// postingsOf returns a term's postings, stored and added, by doc.
func (ix *Index) postingsOf(t string) []posting {
	var ps []posting
	if ix.stored != nil && ix.stored.disk != nil {
		ps = ix.stored.disk.lookup(t)
	}
	if id, ok := ix.terms[t]; ok {
		ps = append(ps, ix.postings[id]...)
	}
	return ps
}

// allTerms returns every term, sorted.
func (ix *Index) allTerms() []string {
	var ts []string
	if ix.stored != nil && ix.stored.disk != nil {
		di := ix.stored.disk
		n := len(di.dict) / dictRecord
		ts = make([]string, 0, n+len(ix.terms))
		for i := range n {
			ts = append(ts, strings.Clone(di.term(i)))
		}
	}
	for t := range ix.terms {
		ts = append(ts, t)
	}
	slices.Sort(ts)
	return slices.Compact(ts)
}

// materialize moves the stored postings into memory, for changes that
// renumber docs.
func (ix *Index) materialize() {
	if ix.stored == nil || ix.stored.disk == nil {
		return
	}
	terms := ix.allTerms()
	all := make(map[string]int32, len(terms))
	postings := make([][]posting, 0, len(terms))
	for _, t := range terms {
		all[t] = int32(len(postings))
		postings = append(postings, ix.postingsOf(t))
	}
	ix.terms, ix.postings, ix.stored.disk = all, postings, nil
}

// floatsOf views little-endian float32s in place (copies on a big-endian
// host). b is 4-byte aligned: sections start on 64-byte boundaries of a
// page-aligned mapping or of a heap slice.
func floatsOf(b []byte) []float32 {
	n := len(b) / 4
	if n == 0 {
		return nil
	}
	if !littleEndian || uintptr(unsafe.Pointer(&b[0]))%4 != 0 {
		v := make([]float32, n)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
		return v
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n)
}

// normalized returns v scaled to unit length the way chromem-go does it, so
// that a dot product with a normalised query is exactly chromem-go's cosine
// similarity. A zero vector stays zero.
func normalized(v []float32) []float32 {
	if isZero(v) || isUnit(v) {
		return v
	}
	var norm float32
	for _, x := range v {
		norm += x * x
	}
	norm = float32(math.Sqrt(float64(norm)))
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = x / norm
	}
	return out
}

// isUnit is chromem-go's test for a vector it leaves as it is.
func isUnit(v []float32) bool {
	var sq float64
	for _, x := range v {
		sq += float64(x) * float64(x)
	}
	return math.Abs(math.Sqrt(sq)-1) < 1e-5
}

// errStale means the file was built by another version; treated as missing.
var errStale = errors.New("index built by another version")

// IsStale reports whether err from Load means the index must be rebuilt for
// this version of analyst (not damage).
func IsStale(err error) bool { return errors.Is(err, errStale) }

// Save writes the dense vectors atomically.
func (ds *DenseSet) Save(path string) error {
	ids := make([]string, 0, len(ds.Vecs))
	for id, v := range ds.Vecs {
		if len(v) == ds.Dim {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return writeAtomic(path, denseMagic, numDenseSections, func(w *writer) {
		w.begin(dsecMeta)
		w.str(ds.Name)
		w.u64(uint64(ds.Dim))
		w.u64(uint64(len(ids)))
		w.end()
		w.begin(dsecIDs)
		for _, id := range ids {
			w.str(id)
		}
		w.end()
		w.begin(dsecHashes)
		var b [8]byte
		for _, id := range ids {
			binary.LittleEndian.PutUint64(b[:], ds.Hash[id])
			w.write(b[:])
		}
		w.end()
		w.begin(dsecVectors)
		for _, id := range ids {
			w.floats(normalized(ds.Vecs[id]))
		}
		w.end()
	})
}

// LoadDense reads vectors saved by DenseSet.Save; the vectors stay in the
// mapped file.
func LoadDense(path string) (*DenseSet, error) {
	m, secs, err := openMapped(path, denseMagic, numDenseSections)
	if err != nil {
		return nil, err
	}
	ds, err := decodeDense(secs)
	if err != nil {
		unmap(m)
		return nil, err
	}
	return ds, nil
}

func decodeDense(secs [][]byte) (*DenseSet, error) {
	r := &reader{b: secs[dsecMeta]}
	var n int
	ds := &DenseSet{Name: r.str()}
	dim, n64 := r.u64(), r.u64()
	if r.err != nil || r.off != len(r.b) || n64 > uint64(len(secs[dsecIDs])) || dim > uint64(len(secs[dsecVectors])) {
		return nil, ErrDamaged
	}
	ds.Dim, n = int(dim), int(n64)
	if len(secs[dsecHashes]) != 8*n || len(secs[dsecVectors]) != 4*n*ds.Dim {
		return nil, ErrDamaged
	}
	ds.Vecs, ds.Hash = make(map[string][]float32, n), make(map[string]uint64, n)
	r = &reader{b: secs[dsecIDs], view: true}
	flat := floatsOf(secs[dsecVectors])
	for i := range n {
		id := r.str()
		if r.err != nil {
			return nil, r.err
		}
		ds.Vecs[id] = flat[i*ds.Dim : (i+1)*ds.Dim : (i+1)*ds.Dim]
		ds.Hash[id] = binary.LittleEndian.Uint64(secs[dsecHashes][8*i:])
	}
	if r.off != len(r.b) {
		return nil, ErrDamaged
	}
	ds.stored = flat
	return ds, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// DensePath returns the file that holds an embedder's vectors in dir. An
// embedder named with a version ("ollama/m@digest") keeps the "@".
func DensePath(dir, embedder string) string {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '@' {
			return r
		}
		return '_'
	}, embedder)
	return filepath.Join(dir, "vectors-"+safe+".bin")
}

// DenseFiles returns the vector files in dir of the embedder named name
// other than its own: those of the same model under another version
// ("ollama/m@other"), and the one saved before versions were recorded
// ("ollama/m"; legacy, empty if there is none).
func DenseFiles(dir, name string) (others []string, legacy string) {
	base, _, versioned := strings.Cut(name, "@")
	if !versioned {
		return nil, ""
	}
	own := DensePath(dir, name)
	prefix := strings.TrimSuffix(DensePath(dir, base), ".bin") + "@"
	matches, _ := filepath.Glob(globEscape(prefix) + "*.bin")
	for _, m := range matches {
		if m != own {
			others = append(others, m)
		}
	}
	if _, err := os.Stat(DensePath(dir, base)); err == nil {
		legacy = DensePath(dir, base)
	}
	return others, legacy
}

// globEscape quotes the characters filepath.Match treats specially.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteRune('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// LoadDenseFor loads the vectors of the embedder named name from dir. When
// it has none yet but the same model left vectors before versions were
// recorded, those are taken as its own (legacy is then their file, which
// the next save replaces).
func LoadDenseFor(dir, name string) (ds *DenseSet, legacy string, err error) {
	ds, err = LoadDense(DensePath(dir, name))
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return ds, "", err
	}
	_, legacy = DenseFiles(dir, name)
	if legacy == "" {
		return nil, "", err
	}
	base, _, _ := strings.Cut(name, "@")
	old, lerr := LoadDense(legacy)
	if lerr != nil || old.Name != base {
		return nil, "", err
	}
	old.Name = name
	return old, legacy, nil
}

// ---- binary encoding ----

type writer struct {
	f    *os.File
	bw   *bufio.Writer
	pos  int64
	crc  uint32
	secs []section
	cur  int
	buf  [binary.MaxVarintLen64]byte
	err  error
}

type section struct {
	off, n int64
	crc    uint32
}

func (w *writer) write(b []byte) {
	if w.err != nil {
		return
	}
	w.crc = crc32.Update(w.crc, crc32.IEEETable, b)
	_, w.err = w.bw.Write(b)
	w.pos += int64(len(b))
}

// begin starts section k on an aligned offset.
func (w *writer) begin(k int) {
	if pad := (align - w.pos%align) % align; pad > 0 && w.err == nil {
		_, w.err = w.bw.Write(make([]byte, pad))
		w.pos += pad
	}
	w.cur, w.crc = k, 0
	w.secs[k].off = w.pos
}

func (w *writer) end() {
	w.secs[w.cur].n = w.pos - w.secs[w.cur].off
	w.secs[w.cur].crc = w.crc
}

func (w *writer) u64(v uint64) { n := binary.PutUvarint(w.buf[:], v); w.write(w.buf[:n]) }
func (w *writer) i64(v int64)  { n := binary.PutVarint(w.buf[:], v); w.write(w.buf[:n]) }
func (w *writer) str(s string) { w.u64(uint64(len(s))); w.write([]byte(s)) }

// floats writes v as little-endian float32s.
func (w *writer) floats(v []float32) {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	w.write(b)
}

func headerSize(nsec int) int64 { return 24 + 24*int64(nsec) + 4 }

func writeAtomic(path, magic string, nsec int, fill func(*writer)) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("writing index: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing index: %w", err)
	}
	defer os.Remove(f.Name()) // after a successful rename this fails harmlessly
	hs := headerSize(nsec)
	w := &writer{f: f, bw: bufio.NewWriterSize(f, 1<<20), secs: make([]section, nsec)}
	w.write(make([]byte, hs)) // the header, written last
	fill(w)
	if w.err == nil {
		w.err = w.bw.Flush()
	}
	if w.err == nil {
		h := make([]byte, 0, hs)
		h = append(h, magic...)
		h = binary.LittleEndian.AppendUint32(h, fileFormat)
		h = binary.LittleEndian.AppendUint32(h, endianMark)
		h = binary.LittleEndian.AppendUint32(h, uint32(nsec))
		h = binary.LittleEndian.AppendUint32(h, 0)
		for _, s := range w.secs {
			h = binary.LittleEndian.AppendUint64(h, uint64(s.off))
			h = binary.LittleEndian.AppendUint64(h, uint64(s.n))
			h = binary.LittleEndian.AppendUint32(h, s.crc)
			h = binary.LittleEndian.AppendUint32(h, 0)
		}
		h = binary.LittleEndian.AppendUint32(h, crc32.ChecksumIEEE(h))
		_, w.err = f.WriteAt(h, 0)
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

// openMapped maps a stored file, checks its header and every section's
// checksum, and returns the sections.
func openMapped(path, magic string, nsec int) ([]byte, [][]byte, error) {
	m, secs, _, err := openMappedLazy(path, magic, nsec, -1)
	return m, secs, err
}

// openMappedLazy is openMapped leaving the checksum of section lazy to the
// caller (see sectionsLazy).
func openMappedLazy(path, magic string, nsec, lazy int) ([]byte, [][]byte, uint32, error) {
	m, err := mapFile(path)
	if err != nil {
		return nil, nil, 0, err
	}
	secs, sum, err := sectionsLazy(m, magic, nsec, lazy)
	if err != nil {
		unmap(m)
		return nil, nil, 0, err
	}
	return m, secs, sum, nil
}

func sections(m []byte, magic string, nsec int) ([][]byte, error) {
	secs, _, err := sectionsLazy(m, magic, nsec, -1)
	return secs, err
}

// sectionsLazy is sections without checking the checksum of section lazy
// (-1: none), which it returns for the caller to check when the section is
// first read.
func sectionsLazy(m []byte, magic string, nsec, lazy int) ([][]byte, uint32, error) {
	if len(m) > 1+len(magic) && m[0] == byte(len(magic)) && string(m[1:1+len(magic)]) == magic {
		return nil, 0, errStale // format 1: varint-framed, read whole
	}
	hs := headerSize(nsec)
	if int64(len(m)) < hs || string(m[:8]) != magic {
		return nil, 0, ErrDamaged
	}
	if crc32.ChecksumIEEE(m[:hs-4]) != binary.LittleEndian.Uint32(m[hs-4:]) {
		return nil, 0, ErrDamaged
	}
	if binary.LittleEndian.Uint32(m[8:]) != fileFormat {
		return nil, 0, errStale
	}
	if binary.LittleEndian.Uint32(m[12:]) != endianMark || int(binary.LittleEndian.Uint32(m[16:])) != nsec {
		return nil, 0, ErrDamaged
	}
	secs := make([][]byte, nsec)
	var last uint64
	var lazySum uint32
	for k := range secs {
		e := m[24+24*k:]
		off, n, sum := binary.LittleEndian.Uint64(e), binary.LittleEndian.Uint64(e[8:]), binary.LittleEndian.Uint32(e[16:])
		if off < uint64(hs) || off > uint64(len(m)) || n > uint64(len(m))-off {
			return nil, 0, ErrDamaged
		}
		secs[k] = m[off : off+n : off+n]
		if k == lazy {
			lazySum = sum
		} else if crc32.ChecksumIEEE(secs[k]) != sum {
			return nil, 0, ErrDamaged
		}
		last = max(last, off+n)
	}
	if last != uint64(len(m)) {
		return nil, 0, ErrDamaged // something after the sections: not a file Save wrote
	}
	return secs, lazySum, nil
}

// reader decodes varints and strings; view makes strings point into b
// instead of copying (b must never change: a read-only mapping of a file
// that is only ever replaced, never written).
type reader struct {
	b    []byte
	off  int
	err  error
	view bool
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
	if r.err != nil || n == 0 {
		return ""
	}
	var s string
	if r.view {
		s = unsafe.String(&r.b[r.off], n)
	} else {
		s = string(r.b[r.off : r.off+n])
	}
	r.off += n
	return s
}

// vec reads a length-prefixed float32 vector (nil for none), copied.
func (r *reader) vec() []float32 {
	n := r.count()
	if r.err != nil || n == 0 {
		return nil
	}
	if n*4 > len(r.b)-r.off {
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
