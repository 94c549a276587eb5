package retrieval

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/philippgille/chromem-go"

	"github.com/analyst-dev/analyst/embed"
	"github.com/analyst-dev/analyst/embed/token"
)

// Query is an incident to rank changes for.
type Query struct {
	Text string
	// At is the incident's start: only entries strictly before it count.
	At time.Time
	// Since limits candidates to this long before At; zero means all history.
	Since time.Duration
	// Repo limits candidates to one repository; empty means all.
	Repo string
	// Top is how many suspects to return.
	Top int
	// Unreachable holds commits marked unreachable and when.
	Unreachable map[string]time.Time
	// DenseQuery is the query embedded by the embedder that made ix.Dense; nil
	// to rank with the built-in vectors.
	DenseQuery []float32
	// Evidence is located evidence by entry id: changes that last touched
	// the lines or files a stack trace in the incident names.
	Evidence map[string]Evidence
	// Marks are verdicts given after earlier incidents (see Mark); those
	// made before At lift or lower similar changes for similar incidents.
	Marks []Mark
	// Deployed maps a change's id to when a deploy before At shipped it;
	// the recency prior counts from then (see liveSince). Nil: commit times.
	Deployed map[string]time.Time
	// Location reads the weekdays and day parts of the incident's text
	// ("since Friday evening", see ParseOnset); nil is the local time zone.
	Location *time.Location
}

// Weights tune how the parts of a score combine. The zero value is not
// useful; start from DefaultWeights.
type Weights struct {
	Field   [numFields]float64 // BM25F weight of each field
	B       [numFields]float64 // BM25F length normalisation of each field
	K1      float64
	Lexical float64 // weight of the normalised lexical score
	// Symptom weighs how much of the incident the symptoms of a change's
	// matched risk classes cover. A class encodes causal knowledge (this
	// kind of change causes these failures), so its match is stronger
	// evidence than the same words appearing in code.
	Symptom float64
	// Vector weighs the built-in vectors' similarity; Dense weighs an Ollama
	// embedder's instead, when its vectors rank. The built-in vectors are
	// hashed words and averaged word vectors, close to what lexical ranking
	// already counts: switched off, they changed MRR by +0.001 (iproute2),
	// -0.002 (rdma-core) and -0.012 (symptom scenarios), so they weigh
	// nothing in the score (marks still compare incidents with them). A
	// real embedding model brings meaning; the one measurable here, the
	// Universal Sentence Encoder lite (scripts/bench-dense.sh), added
	// nothing at Dense 0.1 to 0.4 (iproute2 0.649 to 0.652 against 0.651
	// without; scenarios 0.651 against 0.654), so Dense stays as it was,
	// unmeasured for retrieval-trained models.
	Vector  float64
	Dense   float64
	Recency float64 // weight of the recency prior
	// Recent weighs a second, short-lived recency prior: most incidents
	// follow a change made in the days before them, while Recency, which
	// fades over a year, serves bugs found long after their change.
	Recent float64
	// Trace weighs located evidence: the change that last touched a line of
	// a pasted stack trace is a prime suspect.
	Trace float64
	// Headline raises the weight of the words of the incident's first line,
	// when it has more than one: the summary says what matters most.
	Headline float64
	// RelatedStrength and RelatedSymptom are the thresholds below which no
	// change counts as related to the incident (Result.Related): a
	// suspect's Strength, or its Symptom coverage.
	RelatedStrength float64
	RelatedSymptom  float64
	// Intro weighs the incident's words this change introduced.
	Intro float64
	// HalfLife is the age at which the recency prior halves, RecentHalfLife
	// the age at which the short one does.
	HalfLife       time.Duration
	RecentHalfLife time.Duration
	// Onset weighs how close before the onset the report gives ("since
	// Friday evening") a change went live, and AfterOnset multiplies the
	// score of a change that went live after that onset: it cannot have
	// started the problem, though a report's times are not always exact.
	// OnsetHalfLife is the lead before the onset at which Onset halves.
	Onset         float64
	AfterOnset    float64
	OnsetHalfLife time.Duration
	// Reverted multiplies the score of a change reverted before the incident.
	Reverted float64
	// Root multiplies the score of the first commit of a history: it made
	// everything at once, so every incident's words are in it, yet nothing
	// worked before it that it could have broken.
	Root float64
}

// DefaultWeights are the weights analyst ranks with.
var DefaultWeights = Weights{
	Field: [numFields]float64{fieldTitle: 3, fieldBody: 1, fieldPaths: 2.5, fieldDiff: 0.6, fieldContext: 0.15,
		fieldFuncs: 1, fieldSymptoms: 2, fieldEnrich: 1},
	B: [numFields]float64{fieldTitle: 0.5, fieldBody: 0.5, fieldPaths: 0.5, fieldDiff: 0.5, fieldContext: 0.75,
		fieldFuncs: 0.5, fieldSymptoms: 0.5, fieldEnrich: 0.5},
	K1:       2,
	Lexical:  0.6,
	Symptom:  1.2,
	Vector:   0,
	Dense:    0.2,
	Recency:  0.15,
	Trace:    0.6,
	Headline: 1.5,
	Intro:    0.5,
	// Calibrated on the iproute2 fixes set: 93% of fix messages whose cause
	// ranks first reach 0.17, 72% of incidents from unrelated software
	// (web shop reports asked of a networking tool's history) do not.
	RelatedStrength: 0.17,
	RelatedSymptom:  0.2,
	HalfLife:        365 * 24 * time.Hour,
	// Chosen on the tuning data: +0.1 for a change made now, half of it for
	// one a week old, left the iproute2 older half's MRR as it was (0.683)
	// and raised the symptom scenarios' tune split from 0.881 to 0.893 and
	// novel from 0.964 to 1.000; 0.2 and more cost the fixes set.
	Recent:         0.1,
	RecentHalfLife: 7 * 24 * time.Hour,
	Onset:          0.6,
	AfterOnset:     0.5,
	OnsetHalfLife:  2 * 24 * time.Hour,
	Reverted:       0.5,
	Root:           0.3,
}

// Suspect is one ranked change.
type Suspect struct {
	Doc
	Score   float64
	Lexical float64 // normalised lexical part, 0..1
	Symptom float64 // share of the incident's words that matched class symptoms, 0..1
	// Intro is the share of the incident's words (weighted by rarity) that
	// this change was the first to write: the commit that introduced an
	// identifier is where its bugs most often come from (git log -S).
	Intro   float64
	Vector  float64 // normalised vector part, 0..1
	Recency float64 // recency prior, 0..1
	Recent  float64 // short recency prior, 0..1
	// Onset is how close before the report's onset the change went live,
	// 0..1; AfterOnset is set when it went live after it.
	Onset      float64
	AfterOnset bool
	// OnsetPhrase is the report's words that gave the onset, if any.
	OnsetPhrase string
	// Trace is located evidence from the incident's stack trace, if any.
	Trace Evidence
	// Coverage is the share of the incident's information (its words,
	// weighted by rarity) that the change matches anywhere, 0..1. Unlike
	// Lexical it is not relative to the other candidates, so it says
	// whether anything matches well at all.
	Coverage float64
	// Strength is the lexical score on an absolute scale, 0..~1: how
	// strongly, in which fields and how often, the change matches the
	// incident's words, as a share of a perfect match of every word.
	Strength float64
	// Introduced lists the incident's words this change was the first to
	// write in its changed lines.
	Introduced []string
	// Matched lists the incident's words found in the change, strongest first.
	Matched []string
	// RevertedBy is the revert commit that undid this change before the
	// incident, if any.
	RevertedBy *Doc
	// MarkBoost is what marks added to the score (negative: lowered), and
	// MarkReasons the marks that moved it.
	MarkBoost   float64
	MarkReasons []string
	// Age is how long before the incident the change happened.
	Age time.Duration
}

// Result is a ranking and what it was computed over.
type Result struct {
	Suspects   []Suspect
	Candidates int // entries eligible for the incident
	// Related is false when nothing matches the incident well enough to be
	// a plausible cause (see Weights.RelatedStrength): the suspects are then
	// only the closest changes.
	Related bool
	Vectors string // embedder whose vectors ranked
	// Onset is when the report says the problem began, if it says.
	Onset *Onset
}

// Rank returns the changes most likely to have caused the incident.
func (ix *Index) Rank(ctx context.Context, q Query, w Weights) (Result, error) {
	from, at := q.window()
	// Candidates first: everything after this works on them alone.
	cand := make([]bool, len(ix.Docs))
	n := 0
	var sumLen [numFields]float64
	for i := range ix.Docs {
		d := &ix.Docs[i]
		if !q.eligible(d, from, at) {
			continue
		}
		cand[i] = true
		n++
		for f := range numFields {
			if f != fieldEnrich || enrichedBefore(d, at) {
				sumLen[f] += float64(d.Len[f])
			}
		}
	}
	res := Result{Candidates: n, Onset: ParseOnset(q.Text, q.At, q.Location)}
	if n == 0 || q.Top <= 0 {
		return res, nil
	}
	var avg [numFields]float64
	for f := range numFields {
		avg[f] = max(sumLen[f]/float64(n), 1)
	}

	// Lexical: BM25F over the candidates.
	qterms, words, headline := queryTermsLines(q.Text)
	// A headline counts for more when there is more than one line, unless
	// the text is a stack trace, whose first line is boilerplate.
	multiline := strings.Contains(strings.TrimSpace(q.Text), "\n") && len(ParseFrames(q.Text)) == 0
	lex := make([]float64, len(ix.Docs))
	matched := make([]uint64, len(ix.Docs))
	symMatched := make([]uint64, len(ix.Docs))
	intro := make([]float64, len(ix.Docs))
	introMatched := make([]uint64, len(ix.Docs))
	idfs := make([]float64, len(qterms))
	var idfSum float64
	for qi, t := range qterms {
		ps := ix.postingsOf(t)
		if len(ps) == 0 {
			continue
		}
		df := 0
		for _, p := range ps {
			if cand[p.doc] {
				df++
			}
		}
		if df == 0 {
			continue
		}
		idf := math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
		if headline[qi] && multiline {
			idf *= 1 + w.Headline
		}
		idfs[qi] = idf
		idfSum += idf
		first := -1 // the earliest candidate whose changed lines have the term
		for _, p := range ps {
			if !cand[p.doc] {
				continue
			}
			d := &ix.Docs[p.doc]
			if p.tf[fieldDiff] > 0 && !d.SupportOnly && (first < 0 || d.Time < ix.Docs[first].Time ||
				d.Time == ix.Docs[first].Time && d.Seq < ix.Docs[first].Seq) {
				first = int(p.doc)
			}
			var tf float64
			for f := range numFields {
				if p.tf[f] == 0 || f == fieldEnrich && !enrichedBefore(d, at) {
					continue
				}
				norm := 1 - w.B[f] + w.B[f]*float64(d.Len[f])/avg[f]
				tf += w.Field[f] * float64(p.tf[f]) / norm
			}
			if tf == 0 {
				continue // only in fields that do not count here
			}
			lex[p.doc] += idf * tf * (w.K1 + 1) / (tf + w.K1)
			if qi < 64 {
				matched[p.doc] |= 1 << qi
				if p.tf[fieldSymptoms] > 0 {
					symMatched[p.doc] |= 1 << qi
				}
			}
		}
		if first >= 0 {
			intro[first] += idf
			if qi < 64 {
				introMatched[first] |= 1 << qi
			}
		}
	}

	// Vectors: exact cosine search with chromem-go over the candidates.
	vec, vecName, err := ix.vectorScores(ctx, q, cand, w.Vector != 0)
	if err != nil {
		return res, err
	}
	res.Vectors = vecName

	var maxLex, maxVec float64
	for i := range ix.Docs {
		if cand[i] {
			maxLex = max(maxLex, lex[i])
			maxVec = max(maxVec, vec[i])
		}
	}
	reverted := ix.revertsBefore(cand)
	halfLife := w.HalfLife.Seconds()
	recentHalfLife := w.RecentHalfLife.Seconds()
	onsetHalfLife := w.OnsetHalfLife.Seconds()
	if len(q.Marks) > 0 {
		if err := ix.CheckVectors(); err != nil { // marks compare built-in vectors
			return res, err
		}
	}
	marks := ix.prepareMarks(ctx, q)
	// score computes candidate i's suspect; the words it matched only when
	// full (for the ones shown).
	score := func(i int, full bool) Suspect {
		d := &ix.Docs[i]
		var s Suspect
		if full {
			s.Doc = *d
		} else {
			s.Doc = Doc{ID: d.ID, Time: d.Time, Seq: d.Seq}
		}
		s.Age = time.Duration(at-d.Time) * time.Second
		if maxLex > 0 {
			s.Lexical = lex[i] / maxLex
		}
		if idfSum > 0 {
			s.Strength = lex[i] / (idfSum * (w.K1 + 1))
		}
		if maxVec > 0 {
			s.Vector = vec[i] / maxVec
		}
		vw := w.Vector
		if res.Vectors != builtinName {
			vw = w.Dense
		}
		live := q.liveSince(d)
		if halfLife > 0 {
			s.Recency = math.Exp2(-float64(at-live) / halfLife)
		}
		if recentHalfLife > 0 {
			s.Recent = math.Exp2(-float64(at-live) / recentHalfLife)
		}
		if o := res.Onset; o != nil {
			if full {
				s.OnsetPhrase = o.Phrase
			}
			switch lead := o.Start.Unix() - live; {
			case live >= o.End.Unix():
				s.AfterOnset = true
			case lead <= 0:
				s.Onset = 1
			case onsetHalfLife > 0:
				s.Onset = math.Exp2(-float64(lead) / onsetHalfLife)
			}
		}
		if matched[i] != 0 && idfSum > 0 {
			var covered float64
			for qi := range min(len(qterms), 64) {
				if matched[i]&(1<<qi) != 0 {
					covered += idfs[qi]
				}
			}
			s.Coverage = covered / idfSum
		}
		if symMatched[i] != 0 && idfSum > 0 {
			var covered float64
			for qi := range min(len(qterms), 64) {
				if symMatched[i]&(1<<qi) != 0 {
					covered += idfs[qi]
				}
			}
			s.Symptom = covered / idfSum
		}
		if idfSum > 0 {
			s.Intro = intro[i] / idfSum
		}
		s.Trace = q.Evidence[d.ID]
		s.Score = w.Lexical*s.Lexical + w.Symptom*s.Symptom + vw*s.Vector + w.Recency*s.Recency + w.Recent*s.Recent + w.Trace*s.Trace.Score +
			w.Intro*s.Intro + w.Onset*s.Onset
		if s.AfterOnset {
			s.Score *= w.AfterOnset
		}
		if d.Root {
			s.Score *= w.Root
		}
		if r, ok := reverted[d.Ref]; ok && d.Ref != "" {
			s.RevertedBy = r
			s.Score *= w.Reverted
		}
		if marks != nil {
			marks.apply(&s, ix.Builtin[i], full)
		}
		if full {
			// A word gives several terms (xtables_match: xtables, match,
			// the whole); name it once.
			for qi := range min(len(qterms), 64) {
				if matched[i]&(1<<qi) != 0 && !slices.Contains(s.Matched, words[qi]) {
					s.Matched = append(s.Matched, words[qi])
				}
				if introMatched[i]&(1<<qi) != 0 && !slices.Contains(s.Introduced, words[qi]) {
					s.Introduced = append(s.Introduced, words[qi])
				}
			}
		}
		return s
	}
	// Score every candidate lightly, order them, then build the top ones in
	// full: most of a large journal never needs more than a number.
	type ranked struct {
		i         int
		score     float64
		time, seq int64
	}
	better := func(a, b ranked) int {
		switch {
		case a.score != b.score:
			return cmp.Compare(b.score, a.score)
		case a.time != b.time:
			return cmp.Compare(b.time, a.time)
		}
		return cmp.Compare(b.seq, a.seq)
	}
	// Only the best q.Top are kept, in order (the order is total, so they
	// are the ones a full sort would put first).
	order := make([]ranked, 0, min(q.Top, n)+1)
	for i := range ix.Docs {
		if !cand[i] {
			continue
		}
		s := score(i, false)
		if !res.Related {
			res.Related = related(s, w)
		}
		r := ranked{i: i, score: s.Score, time: s.Time, seq: s.Seq}
		if len(order) == q.Top && better(r, order[len(order)-1]) >= 0 {
			continue
		}
		at, _ := slices.BinarySearchFunc(order, r, better)
		order = slices.Insert(order, at, r)
		if len(order) > q.Top {
			order = order[:q.Top]
		}
	}
	sus := make([]Suspect, 0, len(order))
	for _, r := range order {
		sus = append(sus, score(r.i, true))
	}
	res.Suspects = sus
	return res, nil
}

// window returns the span candidates are made in, in unix seconds: from
// q.Since before the incident (or the beginning), until the incident.
func (q *Query) window() (from, at int64) {
	from = math.MinInt64
	if q.Since > 0 {
		from = q.At.Add(-q.Since).Unix()
	}
	return from, q.At.Unix()
}

// eligible reports whether d may be a suspect for q: made in q's window
// (from, at), of q.Repo if set, and still reachable.
func (q *Query) eligible(d *Doc, from, at int64) bool {
	if d.Time >= at || d.Time < from || (q.Repo != "" && d.Repo != q.Repo) {
		return false
	}
	if t, ok := q.Unreachable[d.ID]; ok && t.Before(q.At) {
		return false
	}
	return true
}

// LiveChange is a change and when it went live: when it was made, or when a
// deploy shipped it (see Query.Deployed).
type LiveChange struct {
	Doc
	Live time.Time
}

// WentLive returns up to n changes that went live from start until end
// (and before the incident), newest first, leaving out changes to tests and
// documentation only. When nothing matches an incident's words, what changed
// just before it is where to look.
func (ix *Index) WentLive(q Query, start, end time.Time, n int) []LiveChange {
	from, at := q.window()
	until, begin := min(at, end.Unix()), start.Unix()
	var out []LiveChange
	for i := range ix.Docs {
		d := &ix.Docs[i]
		if d.SupportOnly || !q.eligible(d, from, at) {
			continue
		}
		if t := q.liveSince(d); t >= begin && t < until {
			out = append(out, LiveChange{Doc: *d, Live: time.Unix(t, 0).UTC()})
		}
	}
	slices.SortStableFunc(out, func(a, b LiveChange) int {
		if c := b.Live.Compare(a.Live); c != 0 {
			return c
		}
		return cmp.Compare(b.Seq, a.Seq)
	})
	return out[:min(n, len(out))]
}

// enrichedBefore reports whether d's enrichment was made before the
// incident at (unix seconds): a later one must not influence the answer.
func enrichedBefore(d *Doc, at int64) bool { return d.EnrichedAt != 0 && d.EnrichedAt < at }

// related reports whether a change plausibly relates to the incident:
// the best lexical match is strong on an absolute scale, a matched change
// class's symptoms cover enough of the incident, or a stack trace points at
// a change. Scores are relative to the candidates, so without this check a
// ranking always looks confident.
func related(s Suspect, w Weights) bool {
	return s.Strength >= w.RelatedStrength || s.Symptom >= w.RelatedSymptom || s.Trace.Score > 0
}

// queryTerms returns the incident's distinct terms and, for each, the word
// of the incident it came from (for showing what matched).
func queryTerms(text string) (terms, words []string) {
	terms, words, _ = queryTermsLines(text)
	return terms, words
}

// queryTermsLines is queryTerms that also says which terms occur in the
// incident's first line, its headline.
func queryTermsLines(text string) (terms, words []string, headline []bool) {
	seen := map[string]int{}
	line := 0 // lines with words seen so far, counting the current one
	lineHasWord := false
	sp := token.NewSplitter()
	// Walk the text word by word so each term remembers its source word.
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		word := text[start:end]
		if !lineHasWord {
			lineHasWord = true
			line++
		}
		sp.Each(word, func(t string) {
			qi, ok := seen[t]
			if !ok {
				seen[t] = len(terms)
				terms = append(terms, t)
				words = append(words, word)
				headline = append(headline, line == 1)
			} else if line == 1 {
				headline[qi] = true
			}
		})
		start = -1
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		inWord := c > ' ' && c != ',' && c != ';' && c != '"' && c != '\'' && c != '(' && c != ')'
		if inWord && start < 0 {
			start = i
		} else if !inWord {
			flush(i)
			if c == '\n' {
				lineHasWord = false
			}
		}
	}
	flush(len(text))
	return terms, words, headline
}

var builtinName = embed.NewBuiltin().Name()

// vectorScores returns each candidate's cosine similarity to the query (zero
// for others).
//
// Every candidate is scored by an exact dot product over its stored vector
// (stored vectors are unit length, normalised at save time the way
// chromem-go normalises them, and summed in the same order, so each score is
// bit for bit what chromem-go computes). Loading every candidate into a fresh
// chromem-go collection cost more than the whole rest of an ask at 100k
// entries (each document copied and checked); the loop costs what chromem's
// own scan costs, split over the cores. chromem-go then searches the best
// candidates (vectorRescore of them) in memory and its similarities are the
// ones kept for them: the suspects shown are scored by it.
func (ix *Index) vectorScores(ctx context.Context, q Query, cand []bool, withBuiltin bool) ([]float64, string, error) {
	scores := make([]float64, len(ix.Docs))
	builtin := embed.NewBuiltin()
	useDense := ix.Dense != nil && len(q.DenseQuery) == ix.Dense.Dim && ix.Dense.Dim > 0
	var qvec []float32
	name := builtin.Name()
	if !useDense && !withBuiltin {
		return scores, name, nil // the built-in vectors would weigh nothing
	}
	if useDense {
		qvec, name = q.DenseQuery, ix.Dense.Name
	} else {
		v, _ := builtin.Embed(ctx, []string{q.Text}, embed.Query)
		qvec = v[0]
	}
	if isZero(qvec) {
		return scores, name, nil
	}
	qn := normalized(qvec)
	// One vector per candidate (and an enrichment's beside it), and the
	// doc each is of.
	at := q.At.Unix()
	var work []int
	var vecs [][]float32
	if useDense {
		for i := range ix.Docs {
			if !cand[i] {
				continue
			}
			v, ok := ix.Dense.Vecs[ix.Docs[i].ID]
			if !ok {
				// Dense vectors count only when every candidate has one:
				// scores from two embedders are never compared.
				useDense, work, vecs = false, nil, nil
				break
			}
			work, vecs = append(work, i), append(vecs, v)
		}
		if !useDense {
			return ix.vectorScores(ctx, Query{Text: q.Text, At: q.At, Top: q.Top}, cand, withBuiltin)
		}
	} else {
		if err := ix.CheckVectors(); err != nil {
			return nil, "", err
		}
		for i := range ix.Docs {
			if !cand[i] {
				continue
			}
			work, vecs = append(work, i), append(vecs, ix.Builtin[i])
			if d := &ix.Docs[i]; d.EnrichVec != nil && enrichedBefore(d, at) {
				work, vecs = append(work, i), append(vecs, d.EnrichVec)
			}
		}
	}
	var region []float32
	if useDense {
		region = ix.Dense.stored
	} else if ix.stored != nil {
		region = ix.stored.vecs
	}
	sims := make([]float32, len(work))
	valid := make([]bool, len(work))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(work)/2048))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Four vectors at a time: each sum still adds in chromem-go's
			// order (so the same bits), but four sums run side by side.
			var batch [4]int
			nb := 0
			flushBatch := func() {
				if nb == 4 {
					dot4(qn, vecs[batch[0]], vecs[batch[1]], vecs[batch[2]], vecs[batch[3]], sims, batch)
				} else {
					for _, k := range batch[:nb] {
						sims[k] = dot(qn, vecs[k])
					}
				}
				nb = 0
			}
			for k := w * len(work) / workers; k < (w+1)*len(work)/workers; k++ {
				v := vecs[k]
				if len(v) != len(qn) || isZero(v) {
					continue // nothing to compare (an empty change); cosine would divide by zero
				}
				if !within(region, v) {
					vecs[k] = normalized(v)
				}
				valid[k] = true
				batch[nb] = k
				if nb++; nb == 4 {
					flushBatch()
				}
			}
			flushBatch()
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	// The best ones (kept in order as they come: most are passed over
	// after one comparison) again through chromem-go.
	keep := max(vectorRescore, 4*q.Top)
	best := make([]int, 0, keep+1)
	closer := func(a, b int) int { return cmp.Compare(sims[b], sims[a]) }
	for k, i := range work {
		if !valid[k] {
			continue
		}
		scores[i] = max(scores[i], float64(sims[k]), 0)
		if len(best) == keep && sims[k] <= sims[best[keep-1]] {
			continue
		}
		at, _ := slices.BinarySearchFunc(best, k, closer)
		best = slices.Insert(best, at, k)
		if len(best) > keep {
			best = best[:keep]
		}
	}
	if len(best) == 0 {
		return scores, name, nil
	}
	// The embedding function is never nil: chromem-go would otherwise call
	// a remote service for any text it has to embed itself.
	db := chromem.NewDB()
	col, err := db.CreateCollection("changes", nil, func(ctx context.Context, text string) ([]float32, error) {
		v, err := builtin.Embed(ctx, []string{text}, embed.Query)
		if err != nil {
			return nil, err
		}
		return v[0], nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("vector search: %w", err)
	}
	for _, k := range best {
		id := strconv.Itoa(work[k])
		if k > 0 && work[k-1] == work[k] {
			id = "e" + id // an enrichment's
		}
		if err := col.AddDocument(ctx, chromem.Document{ID: id, Embedding: vecs[k]}); err != nil {
			return nil, "", fmt.Errorf("vector search: %w", err)
		}
	}
	results, err := col.QueryEmbedding(ctx, qvec, len(best), nil, nil)
	if err != nil {
		return nil, "", fmt.Errorf("vector search: %w", err)
	}
	for _, r := range results {
		i, _ := strconv.Atoi(strings.TrimPrefix(r.ID, "e"))
		scores[i] = max(scores[i], float64(r.Similarity), 0)
	}
	return scores, name, nil
}

// dot is chromem-go's similarity of two unit vectors: the float32 sum in
// order.
func dot(a, b []float32) float32 {
	var d float32
	b = b[:len(a)]
	for j := range a {
		d += a[j] * b[j]
	}
	return d
}

// dot4 is dot of q with four vectors at once, each summed in order.
func dot4(q, a, b, c, d []float32, out []float32, at [4]int) {
	a, b, c, d = a[:len(q)], b[:len(q)], c[:len(q)], d[:len(q)]
	var s0, s1, s2, s3 float32
	for j, x := range q {
		s0 += a[j] * x
		s1 += b[j] * x
		s2 += c[j] * x
		s3 += d[j] * x
	}
	out[at[0]], out[at[1]], out[at[2]], out[at[3]] = s0, s1, s2, s3
}

// vectorRescore is how many of the closest vectors chromem-go searches again
// (at least four times the suspects asked for).
const vectorRescore = 200

func isZero(v []float32) bool {
	return !slices.ContainsFunc(v, func(x float32) bool { return x != 0 })
}

// revertsBefore maps the sha of each candidate change that a candidate
// revert commit undid to that revert.
func (ix *Index) revertsBefore(cand []bool) map[string]*Doc {
	out := map[string]*Doc{}
	for i := range ix.Docs {
		if cand[i] && ix.Docs[i].Reverts != "" {
			out[ix.Docs[i].Reverts] = &ix.Docs[i]
		}
	}
	return out
}
