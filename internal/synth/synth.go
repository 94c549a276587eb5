// Package synth generates synthetic journals for benchmarks: commits with
// diffs and notes that read like a team's ordinary work across a few
// services, in any number, the same for the same seed.
//
// The text is made from small vocabularies so that term statistics look like
// real history (a long tail of identifiers, a short head of common words)
// and some changes match the catalogue's classes, as real ones do.
package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/analyst-dev/analyst/journal"
)

var (
	services   = []string{"api", "billing", "search", "worker", "gateway", "auth", "notify", "inventory"}
	components = []string{"orders", "payments", "sessions", "cache", "queue", "users", "reports", "invoices", "catalog", "shipping", "tokens", "webhooks"}
	verbs      = []string{"add", "fix", "remove", "rename", "refactor", "speed up", "retry", "validate", "log", "cache", "limit", "split", "document", "test", "bump"}
	objects    = []string{"timeout", "pagination", "error handling", "the client", "a metric", "the schema", "batch size", "the index", "a flag", "the handler", "the worker pool", "the migration", "connection reuse", "rate limits", "the serializer"}
	idents     = []string{"ctx", "req", "resp", "err", "order", "user", "session", "token", "cfg", "client", "pool", "row", "items", "total", "price", "cursor", "limit", "offset", "retries", "deadline"}
	funcs      = []string{"Handle", "Save", "Load", "Fetch", "Process", "Validate", "Render", "Parse", "Close", "Retry", "Flush", "Encode", "Decode", "Lookup", "Publish"}
	words      = []string{"the", "request", "when", "after", "before", "so", "that", "users", "see", "errors", "under", "load", "slow", "faster", "because", "the", "queue", "fills", "up", "and", "we", "now", "keep", "it", "for", "longer", "less", "memory", "on", "startup", "in", "production", "staging", "during", "deploys"}
	configKeys = []string{"TIMEOUT", "POOL_SIZE", "MAX_RETRIES", "CACHE_TTL", "BATCH_SIZE", "LOG_LEVEL", "WORKERS", "RATE_LIMIT", "FEATURE_NEW_CHECKOUT", "READ_REPLICA"}
	noteKinds  = []string{"decision", "deploy", "config", "ops"}
)

// Entries returns n journal entries, oldest first, spread over the years
// before end: about nine in ten are commits with diffs, the rest notes.
func Entries(n int, seed uint64, end time.Time) []journal.Entry {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	span := time.Duration(max(n, 1)) * 20 * time.Minute // about 70 a day
	start := end.Add(-span)
	out := make([]journal.Entry, 0, n)
	for i := range n {
		at := start.Add(time.Duration(int64(span) / int64(max(n, 1)) * int64(i))).Add(time.Duration(r.IntN(600)) * time.Second)
		if r.IntN(10) == 0 {
			out = append(out, note(r, i, at))
		} else {
			out = append(out, commit(r, i, at))
		}
	}
	return out
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func sentence(r *rand.Rand, n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = pick(r, words)
	}
	return strings.Join(ws, " ")
}

func commit(r *rand.Rand, i int, at time.Time) journal.Entry {
	svc, comp := pick(r, services), pick(r, components)
	title := fmt.Sprintf("%s: %s %s", comp, pick(r, verbs), pick(r, objects))
	body := sentence(r, 8+r.IntN(20)) + ".\n\n" + sentence(r, 6+r.IntN(12)) + "."
	var paths []string
	var diff strings.Builder
	files := 1 + r.IntN(4)
	for f := range files {
		var path string
		if f == 0 && r.IntN(6) == 0 {
			path = fmt.Sprintf("deploy/%s/%s.env", svc, pick(r, []string{"production", "staging"}))
			k := pick(r, configKeys)
			fmt.Fprintf(&diff, "diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n@@ -3,4 +3,4 @@\n", path, path, path, path)
			fmt.Fprintf(&diff, " APP=%s\n-%s=%d\n+%s=%d\n LOG_FORMAT=json\n", svc, k, 10+r.IntN(90), k, 1+r.IntN(200))
		} else {
			path = fmt.Sprintf("%s/internal/%s/%s_%d.go", svc, comp, pick(r, idents), r.IntN(40))
			fn := pick(r, funcs) + strings.ToUpper(comp[:1]) + comp[1:]
			fmt.Fprintf(&diff, "diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n@@ -%d,7 +%d,9 @@ func %s(ctx context.Context) error {\n",
				path, path, path, path, 10+r.IntN(300), 10+r.IntN(300), fn)
			for range 2 + r.IntN(12) {
				a, b := pick(r, idents), pick(r, idents)
				switch r.IntN(3) {
				case 0:
					fmt.Fprintf(&diff, "-\t%s := %s.%s(%s)\n", a, b, pick(r, funcs), pick(r, idents))
				case 1:
					fmt.Fprintf(&diff, "+\t%s, err := %s.%s(ctx, %s)\n", a, b, pick(r, funcs), pick(r, idents))
				default:
					fmt.Fprintf(&diff, " \tif err != nil {\n \t\treturn fmt.Errorf(\"%s %s: %%w\", err)\n \t}\n", pick(r, verbs), a)
				}
			}
		}
		paths = append(paths, path)
	}
	sha := fmt.Sprintf("%016x%016x%08x", r.Uint64(), r.Uint64(), uint32(i))
	return journal.Entry{ID: sha, Kind: journal.KindCommit, Time: at.UTC(), Recorded: at.UTC(), Repo: svc, Ref: sha,
		Title: title, Body: body, Author: "dev" + fmt.Sprint(r.IntN(12)), Paths: paths, Diff: diff.String(),
		Meta: journal.Meta{Files: len(paths), Source: "synth"}}
}

func note(r *rand.Rand, i int, at time.Time) journal.Entry {
	kind := pick(r, noteKinds)
	var title string
	switch kind {
	case "deploy":
		title = fmt.Sprintf("deployed %s %d.%d.%d to production", pick(r, services), 1+r.IntN(3), r.IntN(20), r.IntN(10))
	case "config":
		title = fmt.Sprintf("set %s=%d on %s in the dashboard", pick(r, configKeys), 1+r.IntN(500), pick(r, services))
	default:
		title = fmt.Sprintf("%s %s for %s", pick(r, verbs), pick(r, objects), pick(r, components))
	}
	return journal.Entry{ID: fmt.Sprintf("n%016x", r.Uint64()^uint64(i)), Kind: kind, Time: at.UTC(), Recorded: at.UTC(),
		Title: title, Body: sentence(r, 5+r.IntN(10)), Tags: []string{pick(r, components)}, Meta: journal.Meta{Source: "synth"}}
}
