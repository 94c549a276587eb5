package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/analyst-dev/analyst/cmd/analyst/internal/scenarios"
	"github.com/analyst-dev/analyst/internal/ollamatest"
)

// scenariosRecallAt3Target is the share of incidents of the tune and
// holdout splits whose cause must rank in the top 3 for the ranking to be
// good enough. The blind split is reported beside them.
const scenariosRecallAt3Target = 0.9

// scenariosRecallAt3Floor is the share the ranking reaches today: a
// ratchet that catches regressions until the target is met. Raise it as the
// ranking improves; never lower it to make a change pass. The test reports
// the gap to the target.
const scenariosRecallAt3Floor = 21.0 / 28

// scenariosAllRecallAt3Floor is the same ratchet over every incident,
// blind, novel and fresh included. It was 43/54 before the fresh split;
// with it, the same ranking placed 46 of 66, and 49 with the last-week
// recency prior.
const scenariosAllRecallAt3Floor = 49.0 / 66

// scenariosEnd is the end of the scenario history: a Monday evening, so the
// timeline reads as working days.
var scenariosEnd = time.Date(2026, 12, 7, 18, 0, 0, 0, time.UTC)

var scenariosReport = flag.Bool("scenarios.report", false, "print the symptom-scenario table and metrics to stdout")

var scenariosKeep = flag.String("scenarios.keep", "", "build the history and the analyst home into this new `directory` and keep them, for asking by hand (analyst --home DIR/home ask --at ...)")

var scenariosLeaveOut = flag.Bool("scenarios.leaveout", false, "ask the tuned incidents again with the change classes their causes match left out of the catalogue: how the ranking does, on reports it was tuned for, when it has no class for the kind of change")

var scenariosEncoder = flag.Bool("scenarios.encoder", false, "index and ask with the sentence encoder's dense vectors (internal/ollamatest.StartEncoder); with -scenarios.ablate, the vectors row is the same asks without them")

var scenariosOllama = flag.String("scenarios.ollama", "", "index and ask with this `model` of the Ollama server at OLLAMA_HOST as the embedding model, like -scenarios.encoder")

// ollamaHostOfCaller is OLLAMA_HOST as the test process got it, before a
// test isolates its environment.
var ollamaHostOfCaller = os.Getenv("OLLAMA_HOST")

var scenariosAblate = flag.Bool("scenarios.ablate", false, "also ask with each part of the score off (eval --ablate's parts) and print what each adds")

// scenarioResult is where one incident's cause ranked.
type scenarioResult struct {
	incident  scenarios.Incident
	at        time.Time
	causeKind string
	rank      int // 1-based; 0 when the cause is not among the suspects shown
	top1      string
	related   bool   // ask judged some change related to the incident
	wentLive  bool   // the cause is among what went live, listed when nothing looks related
	vectors   string // the vectors ask ranked with (models.embed)
}

// scenarioMetrics are the retrieval scores of a set of incidents.
type scenarioMetrics struct {
	n                int
	r1, r3, r5, mrr  float64
	misses, notInTop []string
}

func scoreScenarios(rs []scenarioResult) scenarioMetrics {
	var m scenarioMetrics
	for _, r := range rs {
		m.n++
		if r.rank >= 1 {
			m.mrr += 1 / float64(r.rank)
		} else {
			m.notInTop = append(m.notInTop, r.incident.ID)
		}
		if r.rank >= 1 && r.rank <= 1 {
			m.r1++
		}
		if r.rank >= 1 && r.rank <= 3 {
			m.r3++
		} else {
			m.misses = append(m.misses, r.incident.ID)
		}
		if r.rank >= 1 && r.rank <= 5 {
			m.r5++
		}
	}
	if m.n > 0 {
		m.r1 /= float64(m.n)
		m.r3 /= float64(m.n)
		m.r5 /= float64(m.n)
		m.mrr /= float64(m.n)
	}
	return m
}

// tbRun runs the command in-process and fails tb on a non-zero exit.
func tbRun(tb testing.TB, args ...string) string {
	tb.Helper()
	var out, errb bytes.Buffer
	if code := run(context.Background(), append([]string{"analyst"}, args...), strings.NewReader(""), &out, &errb); code != 0 {
		tb.Fatalf("analyst %q: exit %d\n%s", args, code, errb.String())
	}
	return out.String()
}

// scenarioHome is a journal holding the scenario history: built, noted and
// indexed in an isolated environment.
type scenarioHome struct {
	home      string
	incidents []scenarios.Incident
	hist      *scenarios.History
	causeIDs  map[string]string // cause key -> journal entry id
}

func setupScenarios(tb testing.TB) *scenarioHome {
	tb.Helper()
	incidents, err := scenarios.LoadIncidents(filepath.Join("testdata", "scenarios", "incidents.json"))
	if err != nil {
		tb.Fatal(err)
	}
	work := tb.TempDir()
	if *scenariosKeep != "" {
		if err := os.Mkdir(*scenariosKeep, 0o755); err != nil {
			tb.Fatal(err)
		}
		if work, err = filepath.Abs(*scenariosKeep); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Chdir(work) // ask indexes the repository it runs in: run outside any
	for _, kv := range isolatedEnv(work) {
		k, v, _ := strings.Cut(kv, "=")
		tb.Setenv(k, v)
	}
	switch {
	case *scenariosEncoder:
		enc := ollamatest.StartEncoder(tb)
		tb.Setenv("OLLAMA_HOST", enc.Host)
		tb.Setenv("ANALYST_EMBED_MODEL", enc.Model)
	case *scenariosOllama != "":
		tb.Setenv("OLLAMA_HOST", ollamaHostOfCaller)
		tb.Setenv("ANALYST_EMBED_MODEL", *scenariosOllama)
	}
	h, err := scenarios.Build(context.Background(), filepath.Join(work, "src"), scenariosEnd)
	if err != nil {
		tb.Fatal(err)
	}
	home := filepath.Join(work, "home")
	for _, n := range h.Notes {
		args := []string{"--home", home, "note", "--at", formatTime(n.Time), "--kind", n.Kind, "--repo", scenarios.RepoName}
		for _, tag := range n.Tags {
			args = append(args, "--tag", tag)
		}
		tbRun(tb, append(args, n.Text)...)
	}
	tbRun(tb, "--home", home, "index", "--repo", h.Repo)

	// Find each cause's entry: a commit by its subject, a note by its text.
	ids := make(map[string]string)
	for _, line := range strings.Split(strings.TrimSpace(tbRun(tb, "--home", home, "log", "--json")), "\n") {
		var l logLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			tb.Fatalf("log --json: %v\n%s", err, line)
		}
		for key, c := range h.Causes {
			isCommit := l.Kind == "commit"
			if (c.Kind == "commit") != isCommit || l.Title != c.Title {
				continue
			}
			if t, err := time.Parse(time.RFC3339, l.Time); err != nil || !t.Equal(c.Time) {
				tb.Fatalf("cause %q: journal time %s, history says %s", key, l.Time, formatTime(c.Time))
			}
			if prev, dup := ids[key]; dup && prev != l.ID {
				tb.Fatalf("cause %q matches two journal entries", key)
			}
			ids[key] = l.ID
		}
	}
	for _, in := range incidents {
		if _, ok := h.Causes[in.Cause]; !ok {
			tb.Fatalf("%s: cause %q is not in the history", in.ID, in.Cause)
		}
		if ids[in.Cause] == "" {
			tb.Fatalf("%s: cause %q (%q) is not in the journal", in.ID, in.Cause, h.Causes[in.Cause].Title)
		}
	}
	return &scenarioHome{home: home, incidents: incidents, hist: h, causeIDs: ids}
}

// ask asks every incident at its report time and returns where its cause
// ranked.
func (s *scenarioHome) ask(tb testing.TB) []scenarioResult {
	tb.Helper()
	return s.askIncidents(tb, s.incidents)
}

// askIncidents asks the given incidents at their report times.
func (s *scenarioHome) askIncidents(tb testing.TB, incidents []scenarios.Incident) []scenarioResult {
	tb.Helper()
	var rs []scenarioResult
	for _, in := range incidents {
		after, err := scenarios.ParseAfter(in.After)
		if err != nil {
			tb.Fatal(err)
		}
		cause := s.hist.Causes[in.Cause]
		at := cause.Time.Add(after)
		if os.Getenv("SCENARIO_DEBUG") == in.ID {
			// Print the score components of this incident's suspects.
			_, errOut, _ := analystRun(tb.(*testing.T), "", "--debug", "--home", s.home, "ask", "--json", "--no-llm", "--top", "10", "--at", formatTime(at), in.Text)
			tb.Log(errOut)
		}
		if os.Getenv("SCENARIO_DEBUG") == "classes" {
			// Print which catalogue classes the cause matched.
			var sh struct {
				Classes []struct{ Class, Reason string }
			}
			_ = json.Unmarshal([]byte(tbRun(tb, "--home", s.home, "show", "--json", s.causeIDs[in.Cause])), &sh)
			tb.Logf("%s (%s): cause %s classes %v", in.ID, in.Split, in.Cause, sh.Classes)
		}
		out := tbRun(tb, "--home", s.home, "ask", "--json", "--no-llm", "--top", "10", "--at", formatTime(at), in.Text)
		var a askJSON
		if err := json.Unmarshal([]byte(out), &a); err != nil {
			tb.Fatalf("%s: ask --json: %v\n%s", in.ID, err, out)
		}
		r := scenarioResult{incident: in, at: at, causeKind: cause.Kind, related: a.Related, vectors: a.Models.Embed}
		for _, c := range a.WentLive {
			r.wentLive = r.wentLive || c.ID == s.causeIDs[in.Cause]
		}
		for _, sus := range a.Suspects {
			if sus.ID == s.causeIDs[in.Cause] {
				r.rank = sus.Rank
				break
			}
		}
		if len(a.Suspects) > 0 {
			r.top1 = a.Suspects[0].Title
		}
		rs = append(rs, r)
	}
	return rs
}

// scenarioReport is the table of ranks and the metrics per split.
func scenarioReport(rs []scenarioResult) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "incident\tsplit\tafter\tcause\trank\ttop-1 suspect")
	for _, r := range rs {
		rank := "-"
		if r.rank > 0 {
			rank = fmt.Sprint(r.rank)
		}
		top := r.top1
		if r.rank == 1 {
			top = "(the cause)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.incident.ID, r.incident.Split, r.incident.After, r.causeKind, rank, top)
	}
	tw.Flush()
	b.WriteString("\n")
	tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "split\tn\tR@1\tR@3\tR@5\tMRR\tnot in top 3")
	for _, split := range []string{scenarios.SplitTune, scenarios.SplitHoldout, "tune+holdout", scenarios.SplitBlind, scenarios.SplitNovel, scenarios.SplitFresh, "all"} {
		var sub []scenarioResult
		for _, r := range rs {
			if split == "all" || r.incident.Split == split || split == "tune+holdout" && (r.incident.Split == scenarios.SplitTune || r.incident.Split == scenarios.SplitHoldout) {
				sub = append(sub, r)
			}
		}
		m := scoreScenarios(sub)
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%s\n", split, m.n, m.r1, m.r3, m.r5, m.mrr, strings.Join(m.misses, " "))
	}
	tw.Flush()
	// Where the ranking says nothing looks related, ask lists what went
	// live just before: how often is the cause there?
	var unrelated, found []string
	for _, r := range rs {
		if !r.related {
			unrelated = append(unrelated, r.incident.ID)
			if r.wentLive {
				found = append(found, r.incident.ID)
			}
		}
	}
	fmt.Fprintf(&b, "\nnothing looks related: %d (%s); the cause among what went live: %d (%s)\n",
		len(unrelated), strings.Join(unrelated, " "), len(found), strings.Join(found, " "))
	vectors := map[string]int{}
	for _, r := range rs {
		vectors[r.vectors]++
	}
	fmt.Fprintf(&b, "ranked with vectors: %v\n", vectors)
	return b.String()
}

// TestScenarios asks the symptom-scenario incidents (testdata/scenarios)
// against the history they come from and checks that their causes rank
// near the top, with no model. It logs every rank and the metrics per
// split; -scenarios.report prints them even without -v.
func TestScenarios(t *testing.T) {
	s := setupScenarios(t)
	rs := s.ask(t)
	report := scenarioReport(rs)
	t.Logf("%d commits, %d notes, %d incidents\n%s", s.hist.Commits, len(s.hist.Notes), len(rs), report)
	if *scenariosReport {
		fmt.Print(report)
	}
	var set []scenarioResult // the incidents the floor and the target count
	for _, r := range rs {
		if r.incident.Split == scenarios.SplitTune || r.incident.Split == scenarios.SplitHoldout {
			set = append(set, r)
		}
	}
	// The floors are the ranking's without a model; with the encoder's
	// vectors the run measures, and a shortfall is reported, not failed.
	floor := t.Errorf
	if *scenariosEncoder || *scenariosOllama != "" {
		floor = t.Logf
	}
	m := scoreScenarios(set)
	if m.r3 < scenariosRecallAt3Floor-1e-9 {
		floor("Recall@3 over the tune and holdout incidents is %.3f, below the floor %.3f (a regression); not in the top 3: %s",
			m.r3, scenariosRecallAt3Floor, strings.Join(m.misses, " "))
	}
	if m.r3 < scenariosRecallAt3Target {
		t.Logf("Recall@3 %.3f is still short of the target %.2f", m.r3, scenariosRecallAt3Target)
	}
	if all := scoreScenarios(rs); all.r3 < scenariosAllRecallAt3Floor-1e-9 {
		floor("Recall@3 over all incidents is %.3f, below the floor %.3f (a regression); not in the top 3: %s",
			all.r3, scenariosAllRecallAt3Floor, strings.Join(all.misses, " "))
	}
	if *scenariosAblate {
		fmt.Print(scenarioAblation(t, s, rs))
	}
	if *scenariosLeaveOut {
		fmt.Print(scenarioLeaveOut(t, s, rs))
	}
	// When the cause is in the top 3, ask should not say nothing looks
	// related. The threshold is calibrated on other data (see
	// retrieval.DefaultWeights), so a few weak matches may fall under it;
	// more than one in ten is a regression.
	top3, hidden := 0, 0
	for _, r := range rs {
		if r.rank >= 1 && r.rank <= 3 {
			top3++
			if !r.related {
				hidden++
				t.Logf("%s: the cause ranks %d, yet ask says nothing looks related", r.incident.ID, r.rank)
			}
		}
	}
	if top3 > 0 && float64(hidden) > scenariosHiddenShare*float64(top3) {
		t.Errorf("%d of the %d causes in the top 3 come with \"nothing here looks related\"; at most %.0f%% may",
			hidden, top3, 100*scenariosHiddenShare)
	}
}

// scenariosHiddenShare is the share of causes ranked in the top 3 that may
// still fall under the calibrated "looks related" threshold.
const scenariosHiddenShare = 0.1

// scenarioAblation asks every incident again with each part of the score
// off and returns a table of MRR and Recall@3 per split.
func scenarioAblation(t *testing.T, s *scenarioHome, full []scenarioResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-22s %-13s %-13s %-13s %-13s %-13s %-13s\n", "without", "tune MRR/R@3", "holdout", "blind", "novel", "fresh", "all")
	row := func(name string, rs []scenarioResult) {
		var tune, hold, blind, novel, fresh []scenarioResult
		for _, r := range rs {
			switch r.incident.Split {
			case scenarios.SplitHoldout:
				hold = append(hold, r)
			case scenarios.SplitBlind:
				blind = append(blind, r)
			case scenarios.SplitNovel:
				novel = append(novel, r)
			case scenarios.SplitFresh:
				fresh = append(fresh, r)
			default:
				tune = append(tune, r)
			}
		}
		mt, mh, mb, mn, mf, ma := scoreScenarios(tune), scoreScenarios(hold), scoreScenarios(blind), scoreScenarios(novel), scoreScenarios(fresh), scoreScenarios(rs)
		fmt.Fprintf(&b, "%-22s %.3f/%.3f   %.3f/%.3f   %.3f/%.3f   %.3f/%.3f   %.3f/%.3f   %.3f/%.3f\n", name, mt.mrr, mt.r3, mh.mrr, mh.r3, mb.mrr, mb.r3, mn.mrr, mn.r3, mf.mrr, mf.r3, ma.mrr, ma.r3)
	}
	row("(nothing: full score)", full)
	for _, a := range ablations {
		t.Setenv("ANALYST_ABLATE", a.name)
		row(a.name, s.ask(t))
	}
	t.Setenv("ANALYST_ABLATE", "")
	return b.String()
}

// BenchmarkScenarios times asking every scenario incident once and reports
// the retrieval metrics with it (R@1, R@3, R@5, MRR over all incidents, and
// the holdout split's R@3 and MRR).
func BenchmarkScenarios(b *testing.B) {
	s := setupScenarios(b)
	var rs []scenarioResult
	for b.Loop() {
		rs = s.ask(b)
	}
	b.StopTimer()
	all := scoreScenarios(rs)
	var held []scenarioResult
	for _, r := range rs {
		if r.incident.Split == scenarios.SplitHoldout {
			held = append(held, r)
		}
	}
	ho := scoreScenarios(held)
	b.ReportMetric(all.r1, "R@1")
	b.ReportMetric(all.r3, "R@3")
	b.ReportMetric(all.r5, "R@5")
	b.ReportMetric(all.mrr, "MRR")
	b.ReportMetric(ho.r3, "holdout-R@3")
	b.ReportMetric(ho.mrr, "holdout-MRR")
	if *scenariosReport {
		fmt.Print(scenarioReport(rs))
	}
}

// leftOutClass overrides a built-in change class (by its id) with one that
// never matches.
const leftOutClass = `[[class]]
id = %q
reason = "left out"
symptoms = ["left out"]
require = ["leftoutclassnevermatches"]
added = ['leftoutclassnevermatches']

`

// scenarioLeaveOut asks each tune and novel incident again with the classes
// its cause matches left out of the catalogue (a user's classes.toml that
// overrides them), and returns the ranks and metrics. It measures on tuned
// reports what the fresh split measures on new ones: how the ranking does on
// a kind of change it has no class for.
func scenarioLeaveOut(t *testing.T, s *scenarioHome, full []scenarioResult) string {
	t.Helper()
	before := make(map[string]scenarioResult)
	for _, r := range full {
		before[r.incident.ID] = r
	}
	groups := make(map[string][]scenarios.Incident) // by the classes left out
	for _, in := range s.incidents {
		if in.Split != scenarios.SplitTune && in.Split != scenarios.SplitNovel {
			continue
		}
		var sh struct{ Classes []struct{ Class string } }
		if err := json.Unmarshal([]byte(tbRun(t, "--home", s.home, "show", "--json", s.causeIDs[in.Cause])), &sh); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range sh.Classes {
			names = append(names, c.Class)
		}
		sort.Strings(names)
		key := strings.Join(names, " ")
		groups[key] = append(groups[key], in)
	}
	path := filepath.Join(s.home, "classes.toml")
	defer func() {
		os.Remove(path)
		tbRun(t, "--home", s.home, "index")
	}()
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var rs []scenarioResult
	left := make(map[string]string)
	for _, key := range keys {
		for _, in := range groups[key] {
			left[in.ID] = key
		}
		if key == "" {
			for _, in := range groups[key] {
				rs = append(rs, before[in.ID])
			}
			continue
		}
		var b strings.Builder
		for _, c := range strings.Fields(key) {
			fmt.Fprintf(&b, leftOutClass, c)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		tbRun(t, "--home", s.home, "index")
		rs = append(rs, s.askIncidents(t, groups[key])...)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].incident.ID < rs[j].incident.ID })

	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "incident\tsplit\trank\twithout its classes\tclasses left out")
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.incident.ID, r.incident.Split, rankText(before[r.incident.ID].rank), rankText(r.rank), left[r.incident.ID])
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "left out\tn\tR@1\tR@3\tR@5\tMRR")
	for _, split := range []string{scenarios.SplitTune, scenarios.SplitNovel, "both"} {
		var set []scenarioResult
		for _, r := range rs {
			if split == "both" || r.incident.Split == split {
				set = append(set, r)
			}
		}
		m := scoreScenarios(set)
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%.3f\t%.3f\n", split, m.n, m.r1, m.r3, m.r5, m.mrr)
	}
	tw.Flush()
	return b.String()
}

func rankText(r int) string {
	if r == 0 {
		return "-"
	}
	return strconv.Itoa(r)
}
