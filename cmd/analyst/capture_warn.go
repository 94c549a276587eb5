package main

import (
	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval/catalog"
)

// warnRisky prints one line to stderr for each captured entry that matches
// a risky change class of the catalogue, in the class's own words, so the
// person making the change hears of the risk while it is still fresh. where
// names the entry when a command captures several at once (empty for one).
// A catalogue that cannot be read warns nothing: capture has succeeded.
func (env *environment) warnRisky(where func(journal.Entry) string, entries ...journal.Entry) {
	if len(entries) == 0 {
		return
	}
	cat, err := env.catalog()
	if err != nil {
		return
	}
	for _, e := range entries {
		for _, m := range cat.Match(catalog.Change{Title: e.Title, Body: e.Body, Paths: e.Paths, Diff: e.Diff}) {
			if where != nil {
				env.warnf("warning: %s (%s)", m.Reason, where(e))
			} else {
				env.warnf("warning: %s", m.Reason)
			}
		}
	}
}
