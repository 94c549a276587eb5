package retrieval

import (
	"runtime"
	"sync"
	"unicode/utf8"

	"github.com/analyst-dev/analyst/embed/token"
	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval/catalog"
)

// Warm prepares entries for the index (tokenizing, matching the catalogue,
// built-in vectors) in the background while they are still being captured,
// so that the refresh that follows finds the work done: indexing runs while
// `git log` streams instead of after it. An entry is used only if the
// journal's copy has the same content; anything else is prepared again.
//
// The zero value is not usable: call NewWarm, Offer entries as they are
// recorded, Close when done, and pass it in RefreshOptions.Warm.
type Warm struct {
	cat  *catalog.Catalog
	wg   sync.WaitGroup
	mu   sync.Mutex
	cond *sync.Cond
	// queue is unbounded: offering never makes the capture (and so git)
	// wait for the workers.
	queue  [][]journal.Entry
	closed bool
	done   map[string]preparedDoc
}

// NewWarm starts background workers that prepare offered entries against cat.
func NewWarm(cat *catalog.Catalog) *Warm {
	w := &Warm{cat: cat, done: map[string]preparedDoc{}}
	w.cond = sync.NewCond(&w.mu)
	// While capturing, git and the capture loop want a core between them:
	// one worker fewer than the cores; Close adds the rest.
	for range max(1, warmWorkers()-1) {
		w.start()
	}
	return w
}

func (w *Warm) start() {
	{
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			sp := token.NewSplitter()
			for {
				w.mu.Lock()
				for len(w.queue) == 0 && !w.closed {
					w.cond.Wait()
				}
				if len(w.queue) == 0 {
					w.mu.Unlock()
					return
				}
				batch := w.queue[0]
				w.queue = w.queue[1:]
				w.mu.Unlock()
				for k := range batch {
					pd := prepareEntry(sp, w.cat, &batch[k])
					w.mu.Lock()
					w.done[pd.doc.ID] = pd
					w.mu.Unlock()
				}
			}
		}()
	}
}

// Offer queues entries just given to journal.Store.Add, which redacted them
// in place and set the Seq of those it wrote, to be prepared. Only those are
// kept: the journal holds them exactly as offered. It copies the entries'
// headers, not their text.
func (w *Warm) Offer(entries []journal.Entry) {
	if w == nil || len(entries) == 0 {
		return
	}
	// Hand out small batches so both workers stay busy.
	const chunk = 16
	var b []journal.Entry
	for k := range entries {
		if e := &entries[k]; e.Seq > 0 && storedAsIs(e) {
			b = append(b, *e)
		}
		if len(b) == chunk || k == len(entries)-1 && len(b) > 0 {
			w.mu.Lock()
			w.queue = append(w.queue, b)
			w.mu.Unlock()
			w.cond.Signal()
			b = nil
		}
	}
}

// storedAsIs reports whether the journal gives e back as it is: its lists
// are stored as JSON, which would replace bytes that are not UTF-8.
func storedAsIs(e *journal.Entry) bool {
	for _, list := range [][]string{e.Paths, e.Tags} {
		for _, s := range list {
			if !utf8.ValidString(s) {
				return false
			}
		}
	}
	return true
}

// Close waits for the queued entries to be prepared.
func (w *Warm) Close() {
	if w == nil {
		return
	}
	w.mu.Lock()
	w.closed = true
	backlog := len(w.queue)
	w.mu.Unlock()
	w.cond.Broadcast()
	if backlog > 0 && warmWorkers() > 1 {
		w.start() // git is done: its core is free
	}
	w.wg.Wait()
}

// take returns the prepared doc of e, if one was made from the same content
// against the same catalogue, and forgets it.
func (w *Warm) take(cat *catalog.Catalog, e *journal.Entry) (preparedDoc, bool) {
	if w == nil || w.cat != cat {
		return preparedDoc{}, false
	}
	w.mu.Lock()
	pd, ok := w.done[e.ID]
	delete(w.done, e.ID)
	w.mu.Unlock()
	if !ok {
		return preparedDoc{}, false
	}
	// Only entries without enrichment are offered (new commits); the
	// journal's copy must match what was prepared in every field read.
	h := docHeader(e)
	d := pd.doc
	if e.Enrichment != nil || d.Hash != h.Hash || d.EnrichHash != h.EnrichHash || d.Time != h.Time ||
		d.Repo != h.Repo || d.Kind != h.Kind || d.Ref != h.Ref || d.Title != h.Title || d.Reverts != h.Reverts ||
		d.Files != h.Files || d.Root != h.Root || d.SupportOnly != h.SupportOnly || d.EnrichedAt != h.EnrichedAt {
		return preparedDoc{}, false
	}
	pd.doc.Seq = e.Seq
	return pd, true
}

// takeFresh returns the prepared doc of the entry the journal stored as seq
// with id, if it was offered right after being written, and forgets it.
func (w *Warm) takeFresh(cat *catalog.Catalog, seq int64, id string) (preparedDoc, bool) {
	if w == nil || w.cat != cat {
		return preparedDoc{}, false
	}
	w.mu.Lock()
	pd, ok := w.done[id]
	if ok && pd.doc.Seq == seq {
		delete(w.done, id)
	}
	w.mu.Unlock()
	return pd, ok && pd.doc.Seq == seq
}

// has reports whether a prepared doc for id is waiting.
func (w *Warm) has(id string) bool {
	if w == nil {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.done[id]
	return ok
}

func warmWorkers() int { return runtime.GOMAXPROCS(0) }
