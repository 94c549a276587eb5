package main

import (
	"context"
	"errors"
	"os"
	"runtime/debug"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"

	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval"
)

type indexOptions struct {
	repos   []string
	since   time.Time
	full    bool
	all     bool
	noEmbed bool // built-in vectors only, even when Ollama is up
	// enrich asks the chat model about up to enrichMax changes that have
	// no enrichment yet (document expansion).
	enrich    bool
	enrichMax int
}

func indexCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:  "index",
		Usage: "bring repositories' history into the journal and embed what is new",
		Description: `Reads each repository's history (the current branch; --all for every ref) into
the journal, then indexes and embeds every entry that is new. Bare repositories
work too. With no --repo it refreshes every repository the journal already
knows: this is what the nightly job runs. Re-running adds nothing twice.

Examples:
  analyst index --repo ~/src/shop-api --repo ~/src/billing
  analyst index                      refresh everything known
  analyst index --full               rebuild the index and re-embed everything
  analyst index --enrich             also ask the chat model what each new change
                                     alters and how its failure would look
                                     (kept beside the change; "enrich = true" in
                                     the config file makes it the default)`,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "repo", Usage: "a repository `PATH` (repeatable; default: the known ones)"},
			&cli.StringFlag{Name: "since", Usage: "only commits at or after `TIME` (RFC 3339)"},
			&cli.BoolFlag{Name: "full", Usage: "rebuild the index from the journal and re-embed everything"},
			&cli.BoolFlag{Name: "all", Usage: "read every ref, not only the current branch"},
			&cli.BoolFlag{Name: "no-ollama", Usage: "embed with the built-in embedder only"},
			&cli.BoolFlag{Name: "enrich", Usage: "describe changes with the chat model, once each, to find them by symptom"},
			&cli.IntFlag{Name: "enrich-max", Usage: "enrich at most `N` changes per run (newest first)", Value: defaultEnrichMax},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Len() > 0 {
				return usageErr("analyst index --repo "+c.Args().First(), "index takes repositories with --repo, not as arguments")
			}
			o := indexOptions{repos: c.StringSlice("repo"), full: c.Bool("full"), all: c.Bool("all"), noEmbed: c.Bool("no-ollama"),
				enrich: c.Bool("enrich"), enrichMax: c.Int("enrich-max")}
			if !c.IsSet("enrich") && env.config.Enrich {
				o.enrich = true
			}
			if o.enrichMax < 0 {
				return usageErr("", "invalid --enrich-max %d", o.enrichMax)
			}
			if s := c.String("since"); s != "" {
				t, err := parseTime("since", s, time.Now())
				if err != nil {
					return err
				}
				o.since = t
			}
			return runIndex(c.Context, env, o)
		},
	}
}

func runIndex(ctx context.Context, env *environment, o indexOptions) error {
	// Indexing allocates much short-lived text: collecting garbage half as
	// often saves about a tenth of its CPU for some 25% more peak memory.
	// GOGC, when set, still decides.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(200))
	}
	var gits []*journal.Git
	for _, p := range o.repos {
		g, err := openRepo(ctx, p)
		if err != nil {
			return err
		}
		gits = append(gits, g)
	}
	j, err := env.openJournal(ctx)
	if err != nil {
		return err
	}
	defer j.Close()
	if len(gits) == 0 {
		known, err := j.Repos(ctx)
		if err != nil {
			return failErr(err, "", "%v", err)
		}
		for _, r := range known {
			g, err := journal.OpenGit(ctx, r.Path)
			if err != nil {
				env.warnf("skipping %s: %s is no longer a git repository", r.Name, r.Path)
				continue
			}
			o.all = o.all || r.AllRefs
			gits = append(gits, g)
		}
		if len(known) == 0 {
			wd, _ := os.Getwd()
			g, err := journal.OpenGit(ctx, wd)
			if err != nil {
				return usageErr("analyst index --repo PATH", "no repositories known yet and %s is not a git repository", wd)
			}
			gits = append(gits, g)
		}
	}
	// Prepare new entries for the index while git is still streaming the
	// rest: the refresh below then finds most of its work done.
	store, err := env.indexStore()
	if err != nil {
		return err
	}
	warm := retrieval.NewWarm(store.Cat)
	for _, g := range gits {
		if _, err := captureRepoWarm(ctx, env, j, g, o, warm); err != nil {
			warm.Close()
			return err
		}
	}
	warm.Close()
	if o.enrich && !o.noEmbed && o.enrichMax > 0 {
		st, warnings := enrichEntries(ctx, env, j, o.enrichMax)
		for _, w := range warnings {
			env.warnf("%s", w)
		}
		if st.made > 0 || st.left > 0 {
			env.warnf("enriched %d changes with %s (%d left for the next run)", st.made, env.config.ChatModel, st.left)
		}
	}
	return refreshIndexWarm(ctx, env, j, o.full, o.noEmbed, warm)
}

func openRepo(ctx context.Context, path string) (*journal.Git, error) {
	g, err := journal.OpenGit(ctx, path)
	if errors.Is(err, journal.ErrNotRepository) {
		return nil, usageErr("give the path of a git work tree or a bare repository", "%s is not a git repository", path)
	}
	if err != nil {
		return nil, failErr(err, "", "%v", err)
	}
	return g, nil
}

// captureStats says what capturing one repository did.
type captureStats struct {
	commits int // commits on the history walked
	added   int // new journal entries
	elapsed time.Duration
}

// captureRepo records a repository's commits that the journal lacks, marks
// hook-recorded commits that vanished (amend, rebase), and remembers the
// repository for later refreshes.
func captureRepo(ctx context.Context, env *environment, j *journal.Store, g *journal.Git, o indexOptions) (captureStats, error) {
	return captureRepoWarm(ctx, env, j, g, o, nil)
}

// errRecording stops reading git when recording failed; the writer's error
// is the one reported.
var errRecording = errors.New("recording failed")

// captureRepoWarm is captureRepo that also offers each recorded entry to
// warm (nil for none), to be prepared for the index in the background.
func captureRepoWarm(ctx context.Context, env *environment, j *journal.Store, g *journal.Git, o indexOptions, warm *retrieval.Warm) (captureStats, error) {
	start := time.Now()
	var st captureStats
	shas, err := g.RevList(ctx, journal.RevOptions{All: o.all, Since: o.since})
	if err != nil {
		return st, failErr(err, "", "reading %s: %v", g.Name, err)
	}
	st.commits = len(shas)
	known, err := j.Known(ctx, shas)
	if err != nil {
		return st, failErr(err, "", "%v", err)
	}
	var todo []string
	for _, s := range shas {
		if !known[s] {
			todo = append(todo, s)
		}
	}
	var bar *progressbar.ProgressBar
	if env.interactive() && len(todo) > 200 {
		bar = progressbar.NewOptions(len(todo), progressbar.OptionSetWriter(env.stderr),
			progressbar.OptionSetDescription("analyst: reading "+g.Name), progressbar.OptionShowCount(),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	// One goroutine reads git's output, another records what it read: git
	// never waits for the journal (masking, SQLite), which waits only for
	// git. The writer keeps the batches in order.
	batches := make(chan []journal.Entry, 4)
	var werr error
	wdone := make(chan struct{})
	broken := make(chan struct{}) // closed when recording failed
	go func() {
		defer close(wdone)
		for batch := range batches {
			if werr != nil {
				continue // drain: the reader stops at its next entry
			}
			n, err := j.Add(ctx, batch...)
			if err != nil {
				werr = storageErr(env, err, "recording %s", g.Name)
				close(broken)
				continue
			}
			st.added += n
			warm.Offer(batch) // Add redacted them in place: as stored
			if bar != nil {
				bar.Add(len(batch))
			}
		}
	}()
	var batch []journal.Entry
	failed := func() error {
		select {
		case <-broken:
			return errRecording
		default:
			return nil
		}
	}
	err = g.Commits(ctx, todo, journal.CommitLimits{}, func(e journal.Entry) error {
		batch = append(batch, e)
		if len(batch) >= 256 {
			batches <- batch
			batch = nil
		}
		return failed()
	})
	if err == nil && len(batch) > 0 {
		batches <- batch
	}
	close(batches)
	<-wdone
	if werr != nil {
		err = werr // the reader stopped for it
	}
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		var ue *userError
		if errors.As(err, &ue) {
			return st, err
		}
		return st, failErr(err, "", "reading %s: %v", g.Name, err)
	}
	if err := markUnreachable(ctx, j, g, shas); err != nil {
		return st, err
	}
	head, _ := g.Head(ctx)
	now := time.Now().UTC()
	if err := j.SaveRepo(ctx, journal.Repo{Path: g.Dir, Name: g.Name, Added: now, Indexed: now, Head: head, AllRefs: o.all}); err != nil {
		return st, failErr(err, "", "%v", err)
	}
	st.elapsed = time.Since(start)
	rate := float64(len(todo)) / max(st.elapsed.Seconds(), 1e-6)
	env.warnf("%s: %d commits, %d new (%.0f commits/s)", g.Name, st.commits, st.added, rate)
	if len(shas) == 0 {
		env.warnf("%s has no commits yet", g.Name)
	}
	return st, nil
}

// markUnreachable flags commits read from g that no ref reaches any more, and
// clears the flag on those that are reachable again.
//
// listed are commits just listed from g's refs, so reachable: only the
// others need asking git, and when there are none (a first index, a re-run
// with no history rewritten) git is not asked at all.
func markUnreachable(ctx context.Context, j *journal.Store, g *journal.Git, listed []string) error {
	ours, err := j.CommitOrigins(ctx, g.Dir)
	if err != nil || len(ours) == 0 {
		return err
	}
	reachable := make(map[string]bool, len(listed))
	for _, id := range listed {
		reachable[id] = true
	}
	var gone, back []string
	var unlisted []string
	for id, unreachable := range ours {
		switch {
		case !reachable[id]:
			unlisted = append(unlisted, id)
		case unreachable:
			back = append(back, id)
		}
	}
	if len(unlisted) > 0 {
		reach, err := g.Reachable(ctx)
		if err != nil {
			return failErr(err, "", "reading %s: %v", g.Name, err)
		}
		for _, id := range unlisted {
			switch {
			case !reach[id] && !ours[id]:
				gone = append(gone, id)
			case reach[id] && ours[id]:
				back = append(back, id)
			}
		}
	}
	if err := j.SetUnreachable(ctx, gone, time.Now()); err != nil {
		return failErr(err, "", "%v", err)
	}
	return j.SetUnreachable(ctx, back, time.Time{})
}

// refreshIndex embeds what is new in the journal.
func refreshIndex(ctx context.Context, env *environment, j *journal.Store, full, noOllama bool) error {
	return refreshIndexWarm(ctx, env, j, full, noOllama, nil)
}

// refreshIndexWarm is refreshIndex using the entries warm prepared (nil for
// none).
func refreshIndexWarm(ctx context.Context, env *environment, j *journal.Store, full, noOllama bool, warm *retrieval.Warm) error {
	store, err := env.indexStore()
	if err != nil {
		return err
	}
	o := retrieval.RefreshOptions{Full: full, Warm: warm, Notice: func(s string) { env.warnf("%s", s) }}
	if !noOllama {
		if d := env.denseEmbedder(ctx, false); d != nil {
			o.Dense = d
		}
	}
	var bar *progressbar.ProgressBar
	if env.interactive() {
		o.Progress = func(phase string, done, total int) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(env.stderr),
					progressbar.OptionSetDescription("analyst: "+phase), progressbar.OptionShowCount(),
					progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
			}
			bar.ChangeMax(total)
			bar.Set(done)
		}
	}
	start := time.Now()
	st, err := store.Refresh(ctx, j, o)
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		if o.Dense != nil && st.Docs > 0 {
			env.warnf("embedding with %s failed: %v", o.Dense.Name(), err)
			env.hintf("the built-in vectors are up to date; run 'analyst index' again when Ollama is back")
			return nil
		}
		return storageErr(env, err, "indexing")
	}
	vectors := "built-in vectors"
	if o.Dense != nil {
		vectors += " and " + o.Dense.Name()
	}
	env.warnf("index: %d entries, %d new, %s (%s)", st.Docs, st.Indexed, vectors, time.Since(start).Round(time.Millisecond))
	return nil
}
