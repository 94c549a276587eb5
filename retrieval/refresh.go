package retrieval

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"github.com/analyst-dev/analyst/embed"
	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval/catalog"
)

// Store is where an index lives: a directory beside the journal.
type Store struct {
	Dir string
	Cat *catalog.Catalog
}

// IndexPath is the lexical index and built-in vectors.
func (s Store) IndexPath() string { return filepath.Join(s.Dir, "index.bin") }

// RefreshOptions controls Refresh.
type RefreshOptions struct {
	// Full discards the stored index and rebuilds it from the journal.
	Full bool
	// Warm, when set, holds entries prepared while they were captured.
	Warm *Warm
	// Dense, when set, also embeds every entry with this embedder.
	Dense embed.Embedder
	// Progress, when set, is called as entries are indexed.
	Progress func(phase string, done, total int)
	// Notice receives one-line messages for the user (a damaged index that is
	// being rebuilt).
	Notice func(string)
	// DenseBudget bounds the whole dense pass: zero means
	// DefaultDenseBudget, negative no bound. When it runs out the pass stops
	// with a *DenseError, keeping what it embedded: the next refresh
	// continues from there.
	DenseBudget time.Duration
}

// DefaultDenseBudget bounds a dense pass when RefreshOptions says nothing:
// long enough for a first pass over a few thousand changes on a CPU, short
// enough that a server answering each request just in time cannot hold a
// nightly job for ever.
const DefaultDenseBudget = time.Hour

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// RefreshStats says what Refresh did.
type RefreshStats struct {
	Indexed  int // entries added or replaced in the lexical index
	Embedded int // entries embedded by the dense embedder
	// Refused counts entries the dense embedder's model refused, whole or in
	// part (see refreshDense): they have a vector from what the model took,
	// or none to compare, and are not sent again until they change.
	Refused int
	Docs    int // entries in the index afterwards
	Rebuilt bool
	// Reread counts entries read back from the journal to be indexed; those
	// taken as capture prepared them (RefreshOptions.Warm) are not.
	Reread int
}

// Refresh brings the index up to date with the journal: entries recorded
// since the last refresh are tokenized, matched against the catalogue and
// embedded. Concurrent refreshes take turns through a lock file; a reader
// never waits (files are replaced atomically).
//
// When the journal rewrote or removed stored text since the files were made
// (journal.Store.Derived: a re-masking, a forget), the lexical index is
// rebuilt from the journal and the dense vectors of the entries concerned
// are dropped, so that no file here keeps the old text.
func (s Store) Refresh(ctx context.Context, j *journal.Store, o RefreshOptions) (RefreshStats, error) {
	var st RefreshStats
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return st, fmt.Errorf("creating index directory: %w", err)
	}
	lock := flock.New(filepath.Join(s.Dir, ".lock"))
	locked, err := lock.TryLockContext(ctx, 50*time.Millisecond)
	if err != nil || !locked {
		return st, fmt.Errorf("locking index: %w", errors.Join(err, ctx.Err()))
	}
	defer lock.Unlock()
	// Every save happens under the lock, so a temporary file present now
	// was left by a run killed while saving: nothing will rename it.
	removeTemps(s.Dir)

	// Text the journal rewrote or removed (re-masked, forgotten) must not
	// live on here: rebuild the lexical index, drop those dense vectors.
	gen, rebuiltFor, err := j.Derived(ctx)
	if err != nil {
		return st, err
	}
	purge := rebuiltFor < gen
	if purge {
		if err := s.pruneDense(ctx, j); err != nil {
			return st, err
		}
	}
	ix, rebuilt, err := s.load(o.Full || purge, o.Notice)
	if err != nil {
		return st, err
	}
	st.Rebuilt = rebuilt
	ix.warm = o.Warm
	jst, err := j.Stats(ctx)
	if err != nil {
		return st, err
	}
	if jst.MaxSeq < ix.Watermark {
		// The journal was replaced or entries were removed: start over.
		ix, st.Rebuilt = NewIndex(s.Cat), true
	}
	total := int(jst.Entries) - ix.Len()
	if err := s.addNew(ctx, j, ix, total, o.Progress, &st); err != nil {
		return st, err
	}
	if o.Dense != nil {
		n, refused, err := s.refreshDense(ctx, j, ix, o.Dense, o)
		st.Embedded, st.Refused = n, refused
		if err != nil {
			// Keep what the lexical part did: save before reporting.
			if serr := ix.Save(s.IndexPath()); serr != nil {
				return st, serr
			}
			st.Docs = ix.Len()
			if purge {
				if serr := j.SetDerived(ctx, gen); serr != nil {
					return st, serr
				}
			}
			return st, err
		}
	}
	st.Docs = ix.Len()
	if err := ix.Save(s.IndexPath()); err != nil {
		return st, err
	}
	if purge {
		return st, j.SetDerived(ctx, gen)
	}
	return st, nil
}

// pruneDense rewrites every stored set of dense vectors without the vectors
// of entries the journal no longer has, or has with other text: they were
// made from text that was forgotten or re-masked. The rest are kept, so only
// those entries are embedded again. It also removes temporary files a killed
// writer left behind. The caller holds the index lock.
func (s Store) pruneDense(ctx context.Context, j *journal.Store) error {
	// Files a writer left half-written when it was killed hold old text too.
	tmps, _ := filepath.Glob(filepath.Join(s.Dir, "*.tmp*"))
	for _, p := range tmps {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing stale index file: %w", err)
		}
	}
	paths, err := filepath.Glob(filepath.Join(s.Dir, "vectors-*.bin"))
	if err != nil || len(paths) == 0 {
		return err
	}
	hashes := map[string]uint64{}
	err = j.List(ctx, journal.Filter{Oldest: true}, func(e journal.Entry) error {
		hashes[e.ID] = contentHash(&e)
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range paths {
		ds, err := LoadDense(p)
		if err != nil {
			// Unreadable or from another version: it is rebuilt anyway.
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("removing stale vectors: %w", err)
			}
			continue
		}
		for id, h := range ds.Hash {
			if cur, ok := hashes[id]; !ok || cur != h {
				delete(ds.Vecs, id)
				delete(ds.Hash, id)
			}
		}
		if err := ds.Save(p); err != nil {
			return err
		}
	}
	return nil
}

// removeTemps deletes the temporary files of saves (writeAtomic) in dir.
// Call it only holding the index lock.
func removeTemps(dir string) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, de := range des {
		if name := de.Name(); strings.Contains(name, ".bin.tmp") {
			os.Remove(filepath.Join(dir, name))
		}
	}
}

// load reads the stored index, or starts a new one when there is none, it is
// from another version, or it is damaged (with a notice).
func (s Store) load(full bool, notice func(string)) (*Index, bool, error) {
	return s.loadWith(full, notice, Load)
}

func (s Store) loadWith(full bool, notice func(string), load func(string, *catalog.Catalog) (*Index, error)) (*Index, bool, error) {
	if full {
		return NewIndex(s.Cat), true, nil
	}
	ix, err := load(s.IndexPath(), s.Cat)
	switch {
	case err == nil:
		return ix, false, nil
	case errors.Is(err, fs.ErrNotExist):
		return NewIndex(s.Cat), false, nil
	case IsStale(err):
		if notice != nil {
			notice("index built by another version of analyst: rebuilding it from the journal")
		}
		return NewIndex(s.Cat), true, nil
	case errors.Is(err, ErrDamaged):
		if notice != nil {
			notice("index file damaged: rebuilding it from the journal")
		}
		return NewIndex(s.Cat), true, nil
	}
	return nil, false, fmt.Errorf("reading index: %w", err)
}

// Open returns the stored index brought up to date in memory with entries
// the journal recorded since it was saved (without writing anything, unless
// the journal rewrote or removed text since the files were made: then it
// rebuilds them first, as Refresh does). With no stored index it builds one
// in memory.
//
// dense names the embedder whose stored vectors should be loaded beside the
// built-in ones; empty loads none.
func (s Store) Open(ctx context.Context, j *journal.Store, dense string, notice func(string)) (*Index, int, error) {
	return s.open(ctx, j, dense, notice, false)
}

// OpenRebuilt is Open for an index found damaged while ranking (Rank
// returned ErrDamaged): it builds the index from the journal in memory,
// leaving the file for the next Refresh to replace.
func (s Store) OpenRebuilt(ctx context.Context, j *journal.Store, dense string, notice func(string)) (*Index, int, error) {
	if notice != nil {
		notice("index file damaged: rebuilding it from the journal")
	}
	return s.open(ctx, j, dense, notice, true)
}

func (s Store) open(ctx context.Context, j *journal.Store, dense string, notice func(string), rebuild bool) (*Index, int, error) {
	// The stored files may hold text the journal has since rewritten or
	// removed: rebuild them first (once; Refresh records it).
	gen, rebuiltFor, err := j.Derived(ctx)
	if err != nil {
		return nil, 0, err
	}
	if rebuiltFor < gen {
		if _, err := s.Refresh(ctx, j, RefreshOptions{Notice: notice}); err != nil {
			return nil, 0, err
		}
	}
	// Only queried: the built-in vectors are checked when first read.
	ix, _, err := s.loadWith(rebuild, notice, LoadForQuery)
	if err != nil {
		return nil, 0, err
	}
	jst, err := j.Stats(ctx)
	if err != nil {
		return nil, 0, err
	}
	if jst.MaxSeq < ix.Watermark {
		ix = NewIndex(s.Cat)
	}
	var st RefreshStats
	if err := s.addNew(ctx, j, ix, 0, nil, &st); err != nil {
		return nil, 0, err
	}
	if dense != "" {
		if ds, _, err := LoadDenseFor(s.Dir, dense); err == nil && ds.Name == dense {
			ix.Dense = ds
		}
	}
	return ix, st.Indexed, nil
}

// DropStale removes the stored lexical index when the journal rewrote or
// removed text since it was built (a re-masking, a forget), so that its terms
// of the old text do not outlive the journal's copy until the next index or
// ask. It is cheap when nothing changed: every command may call it. The next
// Refresh or Open rebuilds the index (and prunes the dense vectors, which
// hold no text).
func (s Store) DropStale(ctx context.Context, j *journal.Store) (bool, error) {
	gen, rebuiltFor, err := j.Derived(ctx)
	if err != nil || rebuiltFor >= gen {
		return false, err
	}
	// Under the index lock, so no save is replaced midway; a refresh that
	// holds it now purges the old text itself.
	lock := flock.New(filepath.Join(s.Dir, ".lock"))
	if locked, err := lock.TryLock(); err != nil || !locked {
		return false, nil
	}
	defer lock.Unlock()
	if err := os.Remove(s.IndexPath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("removing an index of rewritten text: %w", err)
	}
	// What git said about deploys names commits, which a forget may have
	// removed: it is learnt again when needed.
	if err := os.Remove(filepath.Join(s.Dir, "deploys.json")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("removing deploy links: %w", err)
	}
	return true, nil
}

func (s Store) addNew(ctx context.Context, j *journal.Store, ix *Index, total int, progress func(string, int, int), st *RefreshStats) error {
	const batch = 512
	// Enrichments go with their entries: the newest one of each entry.
	enr := map[string]*journal.Enrichment{}
	var redo []string // entries indexed before that gained or changed one
	err := j.Enrichments(ctx, 0, func(en journal.Enrichment) error {
		if old := enr[en.EntryID]; old == nil || !en.Made.Before(old.Made) {
			enr[en.EntryID] = &en
		}
		if en.Seq > ix.EnrichMark {
			redo = append(redo, en.EntryID)
			ix.EnrichMark = en.Seq
		}
		return nil
	})
	if err != nil {
		return err
	}
	done := map[string]bool{}
	fresh := false
	if ix.warm != nil {
		if fresh, err = s.addFresh(ctx, j, ix, enr, done, total, progress, st); err != nil {
			return err
		}
	}
	var buf []journal.Entry
	flush := func() error {
		if err := ix.Add(ctx, buf); err != nil {
			return err
		}
		st.Indexed += len(buf)
		if progress != nil {
			progress("indexing", st.Indexed, max(total, st.Indexed))
		}
		buf = buf[:0]
		return nil
	}
	if !fresh {
		err = j.List(ctx, journal.Filter{AfterSeq: ix.Watermark, Oldest: true}, func(e journal.Entry) error {
			st.Reread++
			e.Enrichment = enr[e.ID]
			done[e.ID] = true
			buf = append(buf, e)
			if len(buf) == batch {
				return flush()
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, id := range redo {
		if done[id] {
			continue
		}
		done[id] = true
		e, err := j.Get(ctx, id)
		if errors.Is(err, journal.ErrNotFound) {
			continue
		}
		st.Reread++
		if err != nil {
			return err
		}
		e.Enrichment = enr[id]
		buf = append(buf, e)
		if len(buf) == batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// addFresh indexes the entries recorded since the index's watermark without
// reading them back when this process just wrote them and prepared them
// (see Warm): the journal holds them exactly as prepared. The few others
// (written meanwhile by a hook, or enriched) are read one by one, in order.
// It reports false, having done nothing, when too many need reading: then
// one pass over the journal is cheaper.
func (s Store) addFresh(ctx context.Context, j *journal.Store, ix *Index, enr map[string]*journal.Enrichment,
	done map[string]bool, total int, progress func(string, int, int), st *RefreshStats) (bool, error) {
	type rec struct {
		seq  int64
		id   string
		warm bool
	}
	const maxReads = 64
	var recs []rec
	reads := 0
	err := j.IDsAfter(ctx, ix.Watermark, func(seq int64, id string) error {
		_, indexed := ix.byID[id]
		w := enr[id] == nil && !indexed && ix.warm.has(id)
		if !w {
			reads++
		}
		recs = append(recs, rec{seq, id, w})
		return nil
	})
	if err != nil || reads > maxReads {
		return false, err
	}
	for k, r := range recs {
		if ctx.Err() != nil {
			return true, ctx.Err()
		}
		done[r.id] = true
		var pd preparedDoc
		ok := false
		if r.warm {
			pd, ok = ix.warm.takeFresh(ix.cat, r.seq, r.id)
		}
		if ok {
			ix.insert(&pd)
		} else {
			e, err := j.Get(ctx, r.id)
			if errors.Is(err, journal.ErrNotFound) {
				continue // forgotten meanwhile
			}
			if err != nil {
				return true, err
			}
			st.Reread++
			e.Enrichment = enr[r.id]
			if err := ix.Add(ctx, []journal.Entry{e}); err != nil {
				return true, err
			}
		}
		st.Indexed++
		if progress != nil && (k%512 == 511 || k == len(recs)-1) {
			progress("indexing", st.Indexed, max(total, st.Indexed))
		}
	}
	return true, nil
}

// DenseError reports a dense pass that stopped before embedding every entry
// that needed it. The vectors made before it stopped are saved, and the
// built-in vectors are unaffected: the next refresh continues from there.
type DenseError struct {
	Embedder    string
	Done, Total int // entries embedded, and how many needed it
	Err         error
}

func (e *DenseError) Error() string {
	return fmt.Sprintf("%v; %d of %d entries embedded and kept", e.Err, e.Done, e.Total)
}

func (e *DenseError) Unwrap() error { return e.Err }

// denseSaveEvery is how many newly embedded entries are saved at a time, so
// that a pass stopped hard (killed, power cut) loses little.
var denseSaveEvery = 1024

// refreshDense embeds, with emb, every entry whose dense vector is missing or
// stale, and saves the set: every denseSaveEvery entries and at the end,
// also after an error. It returns how many entries it embedded and how many
// of those the model refused.
//
// A refused entry (*embed.RefusedError) keeps the vector of what the model
// accepted (its other chunks, or its first line), or, when it accepted
// nothing, a zero vector: ranking compares dense vectors only when every
// candidate has one, and a zero vector keeps that rule working for everyone
// else while giving the refused entry no dense similarity (its lexical and
// built-in scores still count). Either way the vector is stored with the
// entry's content hash, so the entry is sent again only when its content or
// the embedder changes.
func (s Store) refreshDense(ctx context.Context, j *journal.Store, ix *Index, emb embed.Embedder, o RefreshOptions) (int, int, error) {
	path := DensePath(s.Dir, emb.Name())
	ds, legacy, err := LoadDenseFor(s.Dir, emb.Name())
	if err != nil || o.Full || ds.Name != emb.Name() {
		ds = &DenseSet{Name: emb.Name(), Vecs: map[string][]float32{}, Hash: map[string]uint64{}}
	}
	// Once this embedder's vectors are saved, those of the same model under
	// another digest (pulled again with other weights) or saved before
	// digests were recorded are of no use: never mixed, they go.
	defer func() {
		if _, err := os.Stat(path); err != nil {
			return
		}
		others, old := DenseFiles(s.Dir, emb.Name())
		if old == "" {
			old = legacy
		}
		if old != "" {
			others = append(others, old)
		}
		for _, f := range others {
			os.Remove(f)
		}
	}()
	// Drop vectors of entries no longer indexed.
	for id := range ds.Vecs {
		if _, ok := ix.byID[id]; !ok {
			delete(ds.Vecs, id)
			delete(ds.Hash, id)
		}
	}
	need := 0
	for i := range ix.Docs {
		d := &ix.Docs[i]
		if h, ok := ds.Hash[d.ID]; !ok || h != d.Hash {
			need++
		}
	}
	if need == 0 {
		ix.Dense = ds
		return 0, 0, ds.Save(path)
	}
	budget := o.DenseBudget
	if budget == 0 {
		budget = DefaultDenseBudget
	}
	ectx := ctx
	if budget > 0 {
		var cancel context.CancelFunc
		ectx, cancel = context.WithTimeout(ctx, budget)
		defer cancel()
	}
	const batch = 64
	var ids []string
	var texts []string
	done, refused, unsaved := 0, 0, 0
	flush := func() error {
		if len(texts) == 0 {
			return nil
		}
		vecs, err := emb.Embed(ectx, texts, embed.Document)
		var re *embed.RefusedError
		if errors.As(err, &re) && len(vecs) == len(texts) {
			refused += len(re.Index)
			err = nil
		}
		if err != nil {
			return err
		}
		for _, v := range vecs {
			if v != nil && ds.Dim == 0 {
				ds.Dim = len(v)
			}
		}
		for k, v := range vecs {
			if v == nil {
				if ds.Dim == 0 {
					continue // nothing embedded yet to size it: try again next time
				}
				v = make([]float32, ds.Dim)
			}
			if len(v) != ds.Dim {
				return fmt.Errorf("embedder %s returned %d dimensions, expected %d", emb.Name(), len(v), ds.Dim)
			}
			d, _ := ix.Doc(ids[k])
			ds.Vecs[ids[k]], ds.Hash[ids[k]] = v, d.Hash
		}
		done += len(texts)
		unsaved += len(texts)
		if o.Progress != nil {
			o.Progress("embedding", done, need)
		}
		ids, texts = ids[:0], texts[:0]
		if unsaved >= denseSaveEvery {
			unsaved = 0
			return ds.Save(path)
		}
		return nil
	}
	err = j.List(ctx, journal.Filter{Oldest: true}, func(e journal.Entry) error {
		d, ok := ix.Doc(e.ID)
		if !ok {
			return nil
		}
		if h, ok := ds.Hash[e.ID]; ok && h == d.Hash {
			return nil
		}
		ids = append(ids, e.ID)
		texts = append(texts, ix.TextForEmbedding(&e))
		if len(texts) == batch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) && ectx.Err() != nil {
		err = fmt.Errorf("embedding took longer than its %s budget", budget)
	}
	ix.Dense = ds
	if refused > 0 && o.Notice != nil {
		o.Notice(fmt.Sprintf("%s refused %d %s (input it cannot read): embedded from what it took; not sent again until they change",
			emb.Name(), refused, plural(refused, "entry", "entries")))
	}
	if serr := ds.Save(path); serr != nil {
		return done, refused, serr
	}
	if err != nil {
		err = &DenseError{Embedder: emb.Name(), Done: done, Total: need, Err: err}
	}
	return done, refused, err
}
