package retrieval

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/analyst-dev/analyst/journal"
)

// Case is one known incident with its cause: a query, when it happened, and
// the ids (commit shas) of the changes that caused it.
type Case struct {
	ID     string    `json:"id"`
	Query  string    `json:"query"`
	At     time.Time `json:"at"`
	Causes []string  `json:"causes"`
}

var (
	fixesRe  = regexp.MustCompile(`(?im)^\s*Fixes:\s*([0-9a-f]{7,40})\b(?:\s*\(\s*"?(.*?)"?\s*\))?\s*$`)
	trailRe  = regexp.MustCompile(`(?m)^[A-Z][A-Za-z-]+: .*$`)
	hashRe   = regexp.MustCompile(`\b[0-9a-f]{7,40}\b`)
	spacesRe = regexp.MustCompile(`\n{3,}`)
)

// MineFixes finds, among commits, those whose message names the commit it
// fixes ("Fixes: <sha> (\"subject\")", the kernel convention) and turns each
// into a Case: the fix's message, without trailers, hashes or the broken
// commit's subject, stands in for the incident; the named commit is the
// cause. Only causes found among commits count.
func MineFixes(commits []journal.Entry) []Case {
	byPrefix := make(map[string]string, len(commits)) // 7-char prefix -> full id, "" if ambiguous
	full := make(map[string]*journal.Entry, len(commits))
	for i := range commits {
		e := &commits[i]
		full[e.ID] = e
		p := e.ID[:min(7, len(e.ID))]
		if _, ok := byPrefix[p]; ok {
			byPrefix[p] = ""
		} else {
			byPrefix[p] = e.ID
		}
	}
	resolve := func(ref string) *journal.Entry {
		ref = strings.ToLower(ref)
		if e, ok := full[ref]; ok {
			return e
		}
		id := byPrefix[ref[:7]]
		if id == "" || !strings.HasPrefix(id, ref) {
			return nil
		}
		return full[id]
	}
	var cases []Case
	for i := range commits {
		fix := &commits[i]
		ms := fixesRe.FindAllStringSubmatch(fix.Body, -1)
		if len(ms) == 0 {
			continue
		}
		at := fix.Time.Add(-time.Second)
		var causes []string
		text := fix.Title + "\n\n" + fix.Body
		for _, m := range ms {
			c := resolve(m[1])
			if c == nil || !c.Time.Before(at) || c.ID == fix.ID {
				continue
			}
			causes = append(causes, c.ID)
			for _, subj := range []string{m[2], c.Title} {
				if len(subj) > 8 {
					text = strings.ReplaceAll(text, subj, "")
				}
			}
		}
		if len(causes) == 0 {
			continue
		}
		text = trailRe.ReplaceAllString(text, "")
		text = hashRe.ReplaceAllString(text, "")
		text = strings.TrimSpace(spacesRe.ReplaceAllString(text, "\n\n"))
		if len(strings.Fields(text)) < 3 {
			continue
		}
		cases = append(cases, Case{ID: fix.ID, Query: text, At: at, Causes: causes})
	}
	sort.Slice(cases, func(a, b int) bool { return cases[a].At.Before(cases[b].At) })
	return cases
}

// Metrics are the quality of a ranking over cases.
type Metrics struct {
	Cases int
	R1    float64
	R5    float64
	R10   float64
	MRR   float64
}

func (m Metrics) String() string {
	return fmt.Sprintf("cases %d  R@1 %.3f  R@5 %.3f  R@10 %.3f  MRR %.3f", m.Cases, m.R1, m.R5, m.R10, m.MRR)
}

// Evaluate ranks every case and scores where its cause lands (a cause beyond
// top, or not a candidate, is a miss). It returns the metrics and each
// case's rank (0 for a miss). prepare, if not nil, completes each case's
// query as ask would: the located evidence of its stack-trace frames, its
// embedding by the dense embedder.
func (ix *Index) Evaluate(ctx context.Context, cases []Case, w Weights, top int, unreachable map[string]time.Time,
	prepare func(i int, q *Query)) (Metrics, []int, error) {
	ranks := make([]int, len(cases))
	for i, c := range cases {
		q := Query{Text: c.Query, At: c.At, Top: top, Unreachable: unreachable}
		if prepare != nil {
			prepare(i, &q)
		}
		res, err := ix.Rank(ctx, q, w)
		if err != nil {
			return Metrics{}, nil, err
		}

		for r, s := range res.Suspects {
			if containsPrefix(c.Causes, s.Ref) || containsPrefix(c.Causes, s.ID) {
				ranks[i] = r + 1
				break
			}
		}
	}
	return Score(ranks), ranks, nil
}

// Score computes metrics from the ranks of causes (0 for a miss).
func Score(ranks []int) Metrics {
	m := Metrics{Cases: len(ranks)}
	if m.Cases == 0 {
		return m
	}
	for _, r := range ranks {
		if r == 0 {
			continue
		}
		if r <= 1 {
			m.R1++
		}
		if r <= 5 {
			m.R5++
		}
		if r <= 10 {
			m.R10++
		}
		m.MRR += 1 / float64(r)
	}
	n := float64(m.Cases)
	m.R1, m.R5, m.R10, m.MRR = m.R1/n, m.R5/n, m.R10/n, m.MRR/n
	return m
}

func containsPrefix(ids []string, ref string) bool {
	if len(ref) < 7 {
		return false
	}
	for _, id := range ids {
		if strings.HasPrefix(id, ref) || strings.HasPrefix(ref, id) {
			return true
		}
	}
	return false
}

// ParseWeights applies "name=value,…" overrides to w (for experiments): the
// names of weightKnobs, halflife and recent-halflife (days), and f.<field> / b.<field> for the
// BM25F weight and length normalisation of each field (fieldNames).
func ParseWeights(w Weights, spec string) (Weights, error) {
	knobs := weightKnobs(&w)
	for i, name := range fieldNames {
		knobs["f."+name], knobs["b."+name] = &w.Field[i], &w.B[i]
	}
	for _, kv := range strings.Split(spec, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		f, err := strconv.ParseFloat(v, 64)
		if !ok || err != nil {
			return w, fmt.Errorf("bad weight %q", kv)
		}
		switch k {
		case "halflife":
			w.HalfLife = time.Duration(f * 24 * float64(time.Hour))
			continue
		case "recent-halflife":
			w.RecentHalfLife = time.Duration(f * 24 * float64(time.Hour))
			continue
		}
		p, found := knobs[k]
		if !found {
			return w, fmt.Errorf("unknown weight %q", k)
		}
		*p = f
	}
	return w, nil
}

// weightKnobs names the scalar weights of w that ParseWeights may set.
func weightKnobs(w *Weights) map[string]*float64 {
	return map[string]*float64{
		"lexical": &w.Lexical, "symptom": &w.Symptom, "vector": &w.Vector, "dense": &w.Dense,
		"recency": &w.Recency, "recent": &w.Recent, "k1": &w.K1, "trace": &w.Trace, "related": &w.RelatedStrength,
		"headline": &w.Headline, "intro": &w.Intro, "root": &w.Root, "reverted": &w.Reverted,
		"onset": &w.Onset, "after-onset": &w.AfterOnset,
	}
}
