package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval"
)

type forgetOptions struct {
	ids    []string
	repo   string
	match  string
	dryRun bool
	yes    bool
}

func forgetCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:      "forget",
		Usage:     "remove entries from every file analyst keeps (a leaked secret, a private repository)",
		ArgsUsage: "ID... | --repo NAME | --match TEXT",
		Description: `Removes entries, with what was derived from them, from the journal and the
index, and scrubs their old copies from the database's files. Forgotten
commits are not brought back by a later index of the same repository (their
ids are remembered by a hash, nothing of their text). --repo NAME forgets a
repository's entries and stops following it. --match TEXT forgets every entry
whose stored text contains TEXT, byte for byte.

What will be removed is listed first; on a terminal you confirm it, elsewhere
--yes is required. --dry-run only lists.

Examples:
  analyst forget 1a2b3c4d
  analyst forget --repo client-secret-project --dry-run
  analyst forget --match 'hunter2' --yes`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "repo", Usage: "forget every entry of the repository `NAME`, and stop following it"},
			&cli.StringFlag{Name: "match", Usage: "forget every entry whose text contains `TEXT`"},
			&cli.BoolFlag{Name: "dry-run", Usage: "list what would be removed, remove nothing"},
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation"},
		},
		Action: func(c *cli.Context) error {
			o := forgetOptions{ids: c.Args().Slice(), repo: c.String("repo"), match: c.String("match"),
				dryRun: c.Bool("dry-run"), yes: c.Bool("yes")}
			given := 0
			for _, set := range []bool{len(o.ids) > 0, c.IsSet("repo"), c.IsSet("match")} {
				if set {
					given++
				}
			}
			if given != 1 {
				return usageErr("analyst forget ID... | --repo NAME | --match TEXT (one of them)",
					"forget takes entry ids, --repo or --match, and only one of them")
			}
			if c.IsSet("repo") && strings.TrimSpace(o.repo) == "" || c.IsSet("match") && o.match == "" {
				return usageErr("see analyst log for repository names", "empty --repo or --match")
			}
			return runForget(c.Context, env, o)
		},
	}
}

func runForget(ctx context.Context, env *environment, o forgetOptions) error {
	j, err := env.openJournal(ctx)
	if err != nil {
		return err
	}
	defer j.Close()
	entries, repos, err := forgetSelection(ctx, j, o)
	if err != nil {
		return err
	}
	// Never print the text searched for: it is often the secret itself.
	hide := func(s string) string {
		if o.match != "" {
			s = strings.ReplaceAll(s, o.match, "***")
		}
		return s
	}
	w := env.stdout
	verb := "forgetting"
	if o.dryRun {
		verb = "would forget"
	}
	fmt.Fprintf(w, "%s %d %s:\n", verb, len(entries), plural(len(entries), "entry", "entries"))
	for _, e := range entries {
		repo := e.Repo
		if repo == "" {
			repo = "-"
		}
		fmt.Fprintf(w, "  %s  %-8s %-12s %-14s %s\n", formatTime(e.Time), e.Kind, shortID(e.ID), hide(repo), hide(e.Title))
	}
	for _, r := range repos {
		fmt.Fprintf(w, "and stop following repository %s (%s)\n", r.Name, r.Path)
	}
	if o.dryRun {
		return nil
	}
	if !o.yes {
		if !isTerminal(env.stdin) || !isTerminal(env.stderr) {
			return usageErr("check the list (--dry-run), then run again with --yes", "forget needs --yes when not run on a terminal")
		}
		fmt.Fprintf(env.stderr, "Remove these for good? [y/N] ")
		line, _ := bufio.NewReader(env.stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
			env.warnf("nothing removed")
			return nil
		}
	}
	sel := journal.Selection{Repo: o.repo, Text: o.match}
	for _, e := range entries {
		sel.IDs = append(sel.IDs, e.ID)
	}
	st, err := j.Forget(ctx, sel)
	if err != nil {
		return failErr(err, "", "forgetting: %v", err)
	}
	// The index holds the entries' words and vectors: rebuild it now
	// rather than at the next index or ask.
	store, err := env.indexStore()
	if err != nil {
		return err
	}
	if _, err := store.Refresh(ctx, j, retrieval.RefreshOptions{Notice: func(s string) { env.warnf("%s", s) }}); err != nil {
		return failErr(err, "run 'analyst index --full' to rebuild the index", "the entries are removed from the journal, but rebuilding the index failed: %v", err)
	}
	fmt.Fprintf(w, "forgot %d %s", st.Entries, plural(st.Entries, "entry", "entries"))
	if st.Enrichments > 0 {
		fmt.Fprintf(w, " and %d %s", st.Enrichments, plural(st.Enrichments, "enrichment", "enrichments"))
	}
	if st.Marks > 0 {
		fmt.Fprintf(w, ", %d %s", st.Marks, plural(st.Marks, "mark", "marks"))
	}
	if st.Snapshots > 0 {
		fmt.Fprintf(w, ", %d watched-file %s (the next look takes a new one)", st.Snapshots, plural(st.Snapshots, "snapshot", "snapshots"))
	}
	if st.Repos > 0 {
		fmt.Fprintf(w, "; no longer following %s", o.repo)
	}
	fmt.Fprintln(w)
	if o.match != "" {
		// The last question asked, kept for 'mark', may hold it too.
		last := filepath.Join(env.home, lastAskFile)
		if b, err := os.ReadFile(last); err == nil && strings.Contains(string(b), o.match) {
			if err := os.Remove(last); err != nil {
				return failErr(err, "", "removing %s: %v", last, err)
			}
		}
	}
	if !st.Scrubbed {
		return failErr(nil, "they are removed the next time analyst opens the journal while no other process reads it",
			"another process is reading the journal: old copies of the forgotten text remain in %s-wal for now", env.journalPath())
	}
	if st.Repos > 0 {
		env.hintf("a commit hook installed in that repository still records new commits: run 'analyst hook uninstall' there")
	}
	return nil
}

// forgetSelection resolves what o selects. Nothing selected is bad input.
func forgetSelection(ctx context.Context, j *journal.Store, o forgetOptions) ([]journal.Entry, []journal.Repo, error) {
	switch {
	case o.match != "":
		entries, err := j.Matching(ctx, o.match)
		if err != nil {
			return nil, nil, failErr(err, "", "%v", err)
		}
		if len(entries) == 0 {
			return nil, nil, usageErr("the journal stores text with secrets masked: a masked secret is already gone; 'analyst log' lists entries",
				"no entry contains that text")
		}
		return entries, nil, nil
	case o.repo != "":
		entries, repos, err := j.OfRepo(ctx, o.repo)
		if err != nil {
			return nil, nil, failErr(err, "", "%v", err)
		}
		if len(entries) == 0 && len(repos) == 0 {
			return nil, nil, usageErr("repository names are listed by 'analyst log' (the repo column)", "no repository or entry named %q", o.repo)
		}
		return entries, repos, nil
	}
	var out []journal.Entry
	seen := map[string]bool{}
	for _, id := range o.ids {
		e, err := j.Get(ctx, id)
		switch {
		case errors.Is(err, journal.ErrNotFound):
			return nil, nil, usageErr("list ids with: analyst log", "no entry with id %q", id)
		case errors.Is(err, journal.ErrAmbiguous):
			return nil, nil, usageErr("give more characters of the id", "id prefix %q matches several entries", id)
		case err != nil:
			return nil, nil, failErr(err, "", "%v", err)
		}
		if !seen[e.ID] {
			seen[e.ID] = true
			e.Diff = ""
			out = append(out, e)
		}
	}
	return out, nil, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
