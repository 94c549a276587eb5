package retrieval

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/analyst-dev/analyst/embed"
)

// Mark is a verdict someone gave after an incident: the entry EntryID was
// (Cause) or was not its cause. Ranking lifts changes like a cause, and
// lowers changes like a change cleared, for incidents like the marked one.
type Mark struct {
	EntryID string
	Cause   bool
	// Incident is the description of the incident the verdict was about.
	Incident string
	// Made is when the verdict was given: it counts only for incidents
	// strictly after it.
	Made time.Time
}

// How marks move a score. Similarities are cosines of the built-in vectors
// (hashed words and word meaning, so unrelated texts still share some of
// both: unrelated incidents measure below 0.2, rewordings of one around 0.5,
// changes of the same kind in two places around 0.75). Below its floor a
// similarity counts for nothing; from there it rises linearly to 1 at the
// floor plus markRamp. A mark's effect on a change is the incident's
// similarity to the marked incident times the change's similarity to the
// marked change (1 for the marked change itself); the effects of all marks
// add up and are clamped, so that no number of marks moves a score by more
// than markWeight either way (about what a strong word match adds).
const (
	markIncidentFloor = 0.3
	markChangeFloor   = 0.5
	markRamp          = 0.3
	markWeight        = 0.6
)

// markSet is the marks that apply to one incident, prepared for scoring.
type markSet struct {
	marks []preparedMark
}

type preparedMark struct {
	Mark
	vec    []float32 // the marked change's built-in vector, unit length
	weight float64   // the incident's similarity, signed by the verdict
}

// prepareMarks returns the marks that bear on q: made before q.At, about a
// change before it that the index holds, for an incident similar enough to
// q's. Nil when none does, so that ranking is exactly what it is without
// marks.
func (ix *Index) prepareMarks(ctx context.Context, q Query) *markSet {
	if len(q.Marks) == 0 {
		return nil
	}
	builtin := embed.NewBuiltin()
	texts := []string{q.Text}
	for _, m := range q.Marks {
		texts = append(texts, m.Incident)
	}
	vecs, err := builtin.Embed(ctx, texts, embed.Query)
	if err != nil {
		return nil
	}
	at := q.At.Unix()
	var set markSet
	for k, m := range q.Marks {
		if !m.Made.Before(q.At) {
			continue // learnt after the incident: it must not influence it
		}
		i, ok := ix.byID[m.EntryID]
		if !ok || ix.Docs[i].Time >= at || i >= len(ix.Builtin) {
			continue
		}
		sim := ramp(cosine(vecs[0], vecs[k+1]), markIncidentFloor)
		if sim == 0 || isZero(ix.Builtin[i]) {
			continue
		}
		if !m.Cause {
			sim = -sim
		}
		set.marks = append(set.marks, preparedMark{Mark: m, vec: normalized(ix.Builtin[i]), weight: sim})
	}
	if len(set.marks) == 0 {
		return nil
	}
	return &set
}

// apply adds the marks' effect to s, the suspect of the change with built-in
// vector v, and with why says which marks moved it.
func (ms *markSet) apply(s *Suspect, v []float32, why bool) {
	var sum float64
	for _, m := range ms.marks {
		var like float64
		if m.EntryID == s.ID {
			like = 1
		} else {
			like = ramp(cosine(m.vec, v), markChangeFloor)
		}
		if like == 0 {
			continue
		}
		sum += m.weight * like
		if why {
			s.MarkReasons = append(s.MarkReasons, markReason(m, like))
		}
	}
	if sum == 0 {
		return
	}
	s.MarkBoost = markWeight * max(-1, min(1, sum))
	s.Score += s.MarkBoost
}

func markReason(m preparedMark, like float64) string {
	verdict := "the cause"
	if !m.Cause {
		verdict = "not the cause"
	}
	incident := strings.Join(strings.Fields(m.Incident), " ")
	if len(incident) > 60 {
		incident = strings.ToValidUTF8(incident[:60], "") + "…"
	}
	id := m.EntryID
	if len(id) > 12 {
		id = id[:12]
	}
	if like == 1 {
		return fmt.Sprintf("marked %s of '%s'", verdict, incident)
	}
	return fmt.Sprintf("like %s, marked %s of '%s'", id, verdict, incident)
}

// ramp maps a similarity x to 0 up to floor, rising linearly to 1 at
// floor+markRamp.
func ramp(x, floor float64) float64 {
	if x <= floor {
		return 0
	}
	return min(1, (x-floor)/markRamp)
}

// cosine is the cosine similarity of a and b (0 when either is zero).
func cosine(a, b []float32) float64 {
	if len(a) != len(b) {
		return 0
	}
	var d, na, nb float64
	for i := range a {
		d += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return d / math.Sqrt(na*nb)
}
