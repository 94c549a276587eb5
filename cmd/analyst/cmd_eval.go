package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/analyst-dev/analyst/embed"
	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval"
)

type evalOptions struct {
	repo   string
	cases  string
	top    int
	json   bool
	ablate bool
}

func evalCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:  "eval",
		Usage: "measure how well analyst finds the causes of your own past bugs",
		Description: `Mines your history for fixes that name the commit they fix ("Fixes: <sha>
("subject")", the kernel convention), asks analyst about each fix's message as
if it were an incident report, as of just before the fix, and reports where the
named commit ranked: Recall@1/5/10 and MRR, over all cases and over the older
and newer halves. With --cases it reads cases from a JSON Lines file instead
(fields query, at, causes).

Examples:
  analyst eval --repo ~/src/linux-tools
  analyst eval --cases cases.jsonl --json`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "repo", Usage: "a repository `PATH` (indexed first if new) or a known repository name"},
			&cli.StringFlag{Name: "cases", Usage: "read cases from this JSON Lines `FILE`"},
			&cli.IntFlag{Name: "top", Usage: "look for the cause in the top `N`", Value: 50},
			&cli.BoolFlag{Name: "json", Usage: "print the metrics as JSON"},
			&cli.BoolFlag{Name: "ablate", Usage: "also rank with each part of the score switched off, to show what it adds"},
		},
		Action: func(c *cli.Context) error {
			o := evalOptions{repo: c.String("repo"), cases: c.String("cases"), top: c.Int("top"), json: c.Bool("json"), ablate: c.Bool("ablate")}
			if o.repo == "" && o.cases == "" {
				return usageErr("analyst eval --repo PATH, or --cases FILE", "eval needs a repository or a cases file")
			}
			if o.top <= 0 {
				return usageErr("", "invalid --top %d", o.top)
			}
			return runEval(c.Context, env, o)
		},
	}
}

type evalReport struct {
	Cases   int             `json:"cases"`
	All     evalMetricsJSON `json:"all"`
	Older   evalMetricsJSON `json:"older_half"`
	Newer   evalMetricsJSON `json:"newer_half"`
	Vectors string          `json:"vectors"`
	Seconds float64         `json:"seconds"`
	// Ranks is where each case's cause ranked (0: not in the top).
	Ranks []caseRank `json:"ranks"`
	// Ablation ranks again with one part of the score off at a time.
	Ablation []ablationRow `json:"ablation,omitempty"`
}

type caseRank struct {
	ID   string `json:"id"`
	Rank int    `json:"rank"`
}

type ablationRow struct {
	Without string          `json:"without"`
	All     evalMetricsJSON `json:"all"`
	Older   evalMetricsJSON `json:"older_half"`
	Newer   evalMetricsJSON `json:"newer_half"`
}

// ablations are the parts of the score eval --ablate switches off, one at a
// time. "catalogue" removes both the symptom score and the symptom words in
// the lexical fields: what ranking would be without the change classes.
type ablation struct {
	name string
	off  func(*retrieval.Weights)
}

var ablations = []ablation{
	{"vectors", func(w *retrieval.Weights) { w.Vector, w.Dense = 0, 0 }},
	{"catalogue", func(w *retrieval.Weights) { w.Symptom = 0; w.Field[retrieval.FieldSymptoms] = 0 }},
	{"recency", func(w *retrieval.Weights) { w.Recency = 0 }},
	{"last week", func(w *retrieval.Weights) { w.Recent = 0 }},
	{"trace", func(w *retrieval.Weights) { w.Trace = 0 }},
	{"onset", func(w *retrieval.Weights) { w.Onset, w.AfterOnset = 0, 1 }},
	{"headline", func(w *retrieval.Weights) { w.Headline = 0 }},
	{"first writer", func(w *retrieval.Weights) { w.Intro = 0 }},
	{"diff", func(w *retrieval.Weights) {
		w.Field[retrieval.FieldDiff], w.Field[retrieval.FieldContext], w.Field[retrieval.FieldFuncs] = 0, 0, 0
	}},
	{"first-commit damping", func(w *retrieval.Weights) { w.Root = 1 }},
	{"revert damping", func(w *retrieval.Weights) { w.Reverted = 1 }},
	{"all but lexical", func(w *retrieval.Weights) {
		w.Vector, w.Dense, w.Symptom, w.Recency, w.Recent, w.Trace, w.Root, w.Reverted = 0, 0, 0, 0, 0, 0, 1, 1
		w.Onset, w.AfterOnset = 0, 1
		w.Headline, w.Intro = 0, 0
		w.Field[retrieval.FieldSymptoms] = 0
	}},
}

type evalMetricsJSON struct {
	Cases int     `json:"cases"`
	R1    float64 `json:"R@1"`
	R5    float64 `json:"R@5"`
	R10   float64 `json:"R@10"`
	MRR   float64 `json:"MRR"`
}

func toJSON(m retrieval.Metrics) evalMetricsJSON {
	return evalMetricsJSON{Cases: m.Cases, R1: round3(m.R1), R5: round3(m.R5), R10: round3(m.R10), MRR: round3(m.MRR)}
}

func runEval(ctx context.Context, env *environment, o evalOptions) error {
	j, err := env.openJournal(ctx)
	if err != nil {
		return err
	}
	defer j.Close()
	var cases []retrieval.Case
	repoName := ""
	if o.repo != "" {
		repoName = o.repo
		if fi, err := os.Stat(o.repo); err == nil && fi.IsDir() {
			g, err := openRepo(ctx, o.repo)
			if err != nil {
				return err
			}
			if _, err := captureRepo(ctx, env, j, g, indexOptions{}); err != nil {
				return err
			}
			repoName = g.Name
		}
	}
	if err := refreshIndex(ctx, env, j, false, true); err != nil {
		return err
	}
	if o.cases != "" {
		if cases, err = readCases(o.cases); err != nil {
			return err
		}
	} else {
		var commits []journal.Entry
		err := j.List(ctx, journal.Filter{Kind: journal.KindCommit, Repo: repoName, NoDiff: true, Oldest: true}, func(e journal.Entry) error {
			commits = append(commits, e)
			return nil
		})
		if err != nil {
			return failErr(err, "", "%v", err)
		}
		if len(commits) == 0 {
			return usageErr("index it first: analyst index --repo PATH", "no commits of %q in the journal", repoName)
		}
		cases = retrieval.MineFixes(commits)
		if len(cases) == 0 {
			return failErr(nil, "eval needs commits whose message says 'Fixes: <sha> (\"subject\")'",
				"no fixes that name the commit they fix among %d commits of %s", len(commits), repoName)
		}
	}
	store, err := env.indexStore()
	if err != nil {
		return err
	}
	// Ranked as ask ranks: with the Ollama embedder's vectors when they
	// exist and the server embeds the cases' texts, else the built-in ones.
	dense, denseWarning := env.quietDense(ctx, store)
	if denseWarning != "" {
		env.warnf("%s", denseWarning)
	}
	denseName := ""
	if dense != nil {
		denseName = dense.Name()
	}
	ix, _, err := store.Open(ctx, j, denseName, func(s string) { env.warnf("%s", s) })
	if err != nil {
		return failErr(err, "", "opening index: %v", err)
	}
	denseQueries, vectors := evalDenseQueries(ctx, env, dense, ix, cases)
	unreachable, err := j.Unreachable(ctx)
	if err != nil {
		return failErr(err, "", "%v", err)
	}
	w, err := weights()
	if err != nil {
		return err
	}
	start := time.Now()
	// The same located evidence ask would use, found once per case.
	evidence := make([]map[string]retrieval.Evidence, len(cases))
	for i, c := range cases {
		evidence[i] = traceEvidence(ctx, env, j, c.Query, c.At, "")
	}
	ev := func(i int, q *retrieval.Query) {
		q.Evidence = evidence[i]
		if denseQueries != nil {
			q.DenseQuery = denseQueries[i]
		}
	}
	all, ranks, err := ix.Evaluate(ctx, cases, w, o.top, unreachable, ev)
	if err != nil {
		return failErr(err, "", "%v", err)
	}
	half := len(cases) / 2
	older, newer := retrieval.Score(ranks[:half]), retrieval.Score(ranks[half:])
	rep := evalReport{Cases: len(cases), All: toJSON(all), Older: toJSON(older), Newer: toJSON(newer),
		Vectors: vectors, Seconds: round3(time.Since(start).Seconds())}
	for i, c := range cases {
		rep.Ranks = append(rep.Ranks, caseRank{ID: c.ID, Rank: ranks[i]})
	}
	if o.ablate {
		for _, a := range ablations {
			aw := w
			a.off(&aw)
			m, r, err := ix.Evaluate(ctx, cases, aw, o.top, unreachable, ev)
			if err != nil {
				return failErr(err, "", "%v", err)
			}
			rep.Ablation = append(rep.Ablation, ablationRow{Without: a.name, All: toJSON(m),
				Older: toJSON(retrieval.Score(r[:half])), Newer: toJSON(retrieval.Score(r[half:]))})
		}
	}
	if o.json {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	if vectors != "builtin" {
		fmt.Fprintf(env.stdout, "vectors      %s\n", vectors)
	}
	fmt.Fprintf(env.stdout, "all          %s\n", all)
	fmt.Fprintf(env.stdout, "older half   %s\n", older)
	fmt.Fprintf(env.stdout, "newer half   %s\n", newer)
	if len(rep.Ablation) > 0 {
		fmt.Fprintf(env.stdout, "\n%-22s %-13s %-13s %-13s\n", "without", "all MRR/R@10", "older", "newer")
		row := func(name string, a, o, n evalMetricsJSON) {
			fmt.Fprintf(env.stdout, "%-22s %.3f/%.3f   %.3f/%.3f   %.3f/%.3f\n", name, a.MRR, a.R10, o.MRR, o.R10, n.MRR, n.R10)
		}
		row("(nothing: full score)", rep.All, rep.Older, rep.Newer)
		for _, a := range rep.Ablation {
			row(a.Without, a.All, a.Older, a.Newer)
		}
	}
	return nil
}

// evalDenseQueries embeds the cases' texts with the dense embedder, when
// its vectors rank in ix, and names the vectors the cases are ranked with.
// A failure leaves the built-in vectors, with a warning, as in ask.
func evalDenseQueries(ctx context.Context, env *environment, dense *embed.Ollama, ix *retrieval.Index, cases []retrieval.Case) ([][]float32, string) {
	if dense == nil || ix.Dense == nil || len(cases) == 0 {
		return nil, "builtin"
	}
	texts := make([]string, len(cases))
	for i, c := range cases {
		texts[i] = c.Query
	}
	vs, err := dense.Embed(ctx, texts, embed.Query)
	if err != nil {
		env.warnf("embedding the cases with %s failed (%v): ranked with built-in vectors", dense.Name(), err)
		return nil, "builtin"
	}
	return vs, dense.Name()
}

// weights returns the ranking weights: the defaults, with overrides from
// ANALYST_WEIGHTS ("lexical=0.6,k1=2,…") for tuning experiments. It is not a
// user setting and may change without notice.
func weights() (retrieval.Weights, error) {
	w := retrieval.DefaultWeights
	if spec := os.Getenv("ANALYST_WEIGHTS"); spec != "" {
		var err error
		if w, err = retrieval.ParseWeights(w, spec); err != nil {
			return w, usageErr("", "ANALYST_WEIGHTS: %v", err)
		}
	}
	// ANALYST_ABLATE switches one part off by its eval --ablate name.
	if name := os.Getenv("ANALYST_ABLATE"); name != "" {
		i := slices.IndexFunc(ablations, func(a ablation) bool { return a.name == name })
		if i < 0 {
			return w, usageErr("", "ANALYST_ABLATE: unknown part %q", name)
		}
		ablations[i].off(&w)
	}
	return w, nil
}

// readCases reads JSON Lines cases: {"query", "at" (RFC 3339), "causes" or
// "cause", "id"}.
func readCases(path string) ([]retrieval.Case, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageErr("", "reading cases: %v", err)
	}
	defer f.Close()
	var cases []retrieval.Case
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		var raw struct {
			ID     string   `json:"id"`
			Query  string   `json:"query"`
			At     string   `json:"at"`
			Cause  string   `json:"cause"`
			Causes []string `json:"causes"`
		}
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			return nil, usageErr("each line is one JSON object", "%s:%d: %v", path, line, err)
		}
		at, err := time.Parse(time.RFC3339, raw.At)
		if err != nil {
			return nil, usageErr("", "%s:%d: bad at %q", path, line, raw.At)
		}
		causes := raw.Causes
		if len(causes) == 0 && raw.Cause != "" {
			causes = []string{raw.Cause}
		}
		cases = append(cases, retrieval.Case{ID: raw.ID, Query: raw.Query, At: at, Causes: causes})
	}
	if err := sc.Err(); err != nil {
		return nil, failErr(err, "", "reading cases: %v", err)
	}
	sortCases(cases)
	return cases, nil
}

func sortCases(cs []retrieval.Case) {
	for i := 1; i < len(cs); i++ {
		for k := i; k > 0 && cs[k].At.Before(cs[k-1].At); k-- {
			cs[k], cs[k-1] = cs[k-1], cs[k]
		}
	}
}
