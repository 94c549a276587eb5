package retrieval

import (
	"runtime"
	"sync"

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

// Offer queues entries, as the journal stored them (redacted), to be
// prepared. It copies the slice header, not the entries' text.
func (w *Warm) Offer(entries []journal.Entry) {
	if w == nil || len(entries) == 0 {
		return
	}
	// Hand out small batches so both workers stay busy.
	const chunk = 16
	for len(entries) > 0 {
		n := min(chunk, len(entries))
		b := append([]journal.Entry(nil), entries[:n]...)
		entries = entries[n:]
		w.mu.Lock()
		w.queue = append(w.queue, b)
		w.mu.Unlock()
		w.cond.Signal()
	}
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

func warmWorkers() int { return runtime.GOMAXPROCS(0) }
