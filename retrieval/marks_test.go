package retrieval

import (
	"context"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/analyst-dev/analyst/retrieval/catalog"
)

// TestMarksThatDoNotApplyChangeNothing: marks made at or after the
// incident, about changes after it or unknown to the index, or for an
// unrelated incident leave the result bit for bit as it is without marks.
func TestMarksThatDoNotApplyChangeNothing(t *testing.T) {
	ctx := context.Background()
	ix := NewIndex(catalog.Default())
	if err := ix.Add(ctx, sampleEntries()); err != nil {
		t.Fatal(err)
	}
	at := t0.Add(60 * time.Hour)
	q := Query{Text: "API returns None after save", At: at, Top: 10}
	want, err := ix.Rank(ctx, q, DefaultWeights)
	if err != nil {
		t.Fatal(err)
	}
	q.Marks = []Mark{
		{EntryID: sha(2), Cause: true, Incident: "API returns None after save", Made: at},                            // at the incident
		{EntryID: sha(2), Cause: true, Incident: "API returns None after save", Made: at.Add(time.Hour)},             // after it
		{EntryID: sha(4), Cause: true, Incident: "API returns None after save", Made: at.Add(-time.Hour)},            // a change after it
		{EntryID: sha(99), Cause: true, Incident: "API returns None after save", Made: at.Add(-time.Hour)},           // unknown
		{EntryID: sha(3), Cause: false, Incident: "the French footer shows English words", Made: at.Add(-time.Hour)}, // unrelated
	}
	got, err := ix.Rank(ctx, q, DefaultWeights)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("marks that do not apply changed the result:\nwithout: %+v\nwith:    %+v", want.Suspects, got.Suspects)
	}
}

// TestMarksAreBounded: however many marks agree, a score moves by at most
// markWeight.
func TestMarksAreBounded(t *testing.T) {
	ctx := context.Background()
	ix := NewIndex(catalog.Default())
	if err := ix.Add(ctx, sampleEntries()); err != nil {
		t.Fatal(err)
	}
	q := Query{Text: "API returns None after save", At: t0.Add(100 * time.Hour), Top: 10}
	base, _ := ix.Rank(ctx, q, DefaultWeights)
	for _, cause := range []bool{true, false} {
		q.Marks = nil
		for range 50 {
			q.Marks = append(q.Marks, Mark{EntryID: sha(2), Cause: cause, Incident: "API returns None after save", Made: t0.Add(90 * time.Hour)})
		}
		res, _ := ix.Rank(ctx, q, DefaultWeights)
		for _, s := range res.Suspects {
			var was float64
			for _, b := range base.Suspects {
				if b.ID == s.ID {
					was = b.Score
				}
			}
			if d := s.Score - was; math.Abs(d) > markWeight+1e-9 || d != s.MarkBoost && math.Abs(d-s.MarkBoost) > 1e-9 {
				t.Errorf("cause=%v: %s moved by %v (boost %v), bound %v", cause, s.ID[36:], d, s.MarkBoost, markWeight)
			}
			if s.ID == sha(2) && (cause && s.MarkBoost != markWeight || !cause && s.MarkBoost != -markWeight) {
				t.Errorf("cause=%v: the marked change moved by %v, want ±%v", cause, s.MarkBoost, markWeight)
			}
		}
	}
}
