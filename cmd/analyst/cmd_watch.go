package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/analyst-dev/analyst/journal"
)

type watchOptions struct {
	paths    []string // absolute
	once     bool
	interval time.Duration
	repo     string
}

// defaultWatchInterval is how often a running watch looks at its files: a
// change is in the journal within seconds, and reading a few small files
// that often costs nothing measurable.
const defaultWatchInterval = 2 * time.Second

func watchCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:      "watch",
		Usage:     "record changes to files outside git (.env, YAML, INI, TOML, JSON…)",
		ArgsUsage: "[PATH…]",
		Description: `Records every change to the given text files as a journal entry of kind
'config': the diff, the file, its modification time, and how to undo it (the
previous values of the changed keys, or the previous content). Secrets are
masked everywhere, the undo recipe included. The first sight of a file keeps a
snapshot (masked, in the journal) and records nothing; each change after it
records one entry. A deleted file and a file created again are changes too;
binary files are skipped with a note; files over 1 MiB are watched by hash,
without a diff.

With no PATH the files listed in the config are watched:
  watch = ["~/svc/.env", "/etc/myapp/config.yaml"]

--once compares each file with its snapshot and exits (for cron or a
one-off check); otherwise analyst keeps watching, looking every --interval,
until interrupted. Any number of watchers may run at once: a change is
recorded once.

Examples:
  analyst watch ~/svc/shop-api/.env ~/svc/shop-api/config.yaml --repo shop-api
  analyst watch --once                  from cron: record what changed since the last look
  analyst watch --interval 10s /etc/nginx/nginx.conf`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "once", Usage: "look once and exit"},
			&cli.StringFlag{Name: "interval", Usage: "how often to look, a `DUR` (default 2s)"},
			&cli.StringFlag{Name: "repo", Usage: "the repository or service `NAME` the files belong to"},
		},
		Action: func(c *cli.Context) error {
			o := watchOptions{once: c.Bool("once"), interval: defaultWatchInterval, repo: c.String("repo")}
			if s := c.String("interval"); s != "" {
				d, err := parseDuration("interval", s)
				if err != nil {
					return err
				}
				o.interval = d
			}
			paths := c.Args().Slice()
			if len(paths) == 0 {
				paths = env.config.Watch
			}
			if len(paths) == 0 {
				return usageErr("name the files: analyst watch ~/svc/.env\n"+
					`or list them in the config file: watch = ["~/svc/.env"]`, "no files to watch")
			}
			var err error
			if o.paths, err = watchPaths(paths); err != nil {
				return err
			}
			return runWatch(c.Context, env, o)
		},
	}
}

// watchPaths makes the paths absolute ("~/" is the home directory) and
// refuses directories: a file is what changes.
func watchPaths(paths []string) ([]string, error) {
	home, _ := os.UserHomeDir()
	var out []string
	seen := map[string]bool{}
	for _, p := range paths {
		if p == "~" || strings.HasPrefix(p, "~/") {
			if home == "" {
				return nil, usageErr("give the path without ~", "cannot expand %q: no home directory", p)
			}
			p = filepath.Join(home, p[1:])
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, usageErr("", "bad path %q: %v", p, err)
		}
		if fi, err := os.Stat(abs); err == nil && fi.IsDir() {
			return nil, usageErr("name the files in it, e.g. "+filepath.Join(p, "*.yaml"), "%s is a directory", p)
		}
		if !seen[abs] {
			seen[abs] = true
			out = append(out, abs)
		}
	}
	return out, nil
}

// shownPath is a path as the user reads it: under the home directory, with ~.
func shownPath(abs string) string {
	home, err := os.UserHomeDir()
	if err == nil && home != "" && home != "/" {
		if rel, err := filepath.Rel(home, abs); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
			return "~/" + filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(abs)
}

func runWatch(ctx context.Context, env *environment, o watchOptions) error {
	j, err := env.openJournal(ctx)
	if err != nil {
		return err
	}
	defer j.Close()
	w := watcher{env: env, j: j, o: o, noted: map[string]string{}}
	if o.once {
		return w.pass(ctx)
	}
	env.warnf("watching %d file(s) every %s; interrupt to stop", len(o.paths), o.interval)
	t := time.NewTicker(o.interval)
	defer t.Stop()
	for {
		if err := w.pass(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		select {
		case <-ctx.Done():
			return nil // interrupted: a clean stop
		case <-t.C:
		}
	}
}

// watcher looks at the watched files, one pass at a time.
type watcher struct {
	env *environment
	j   *journal.Store
	o   watchOptions
	// noted holds the last note printed per file (binary, unreadable), so a
	// running watch says it once, not every interval.
	noted map[string]string
}

func (w *watcher) note(path, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if w.noted[path] == msg {
		return
	}
	w.noted[path] = msg
	w.env.warnf("%s", msg)
}

// pass compares every file with its snapshot and records what changed.
func (w *watcher) pass(ctx context.Context) error {
	for _, path := range w.o.paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := w.file(ctx, path); err != nil {
			return err
		}
	}
	return nil
}

func (w *watcher) file(ctx context.Context, path string) error {
	shown := shownPath(path)
	cur, err := journal.ReadFileState(path)
	switch {
	case errors.Is(err, journal.ErrBinary):
		w.note(path, "skipping %s: a binary file (only text files are watched)", shown)
		return nil
	case err != nil:
		w.note(path, "cannot read %s: %v", shown, err)
		return nil
	}
	delete(w.noted, path)
	prev, known, err := w.j.FileState(ctx, path)
	if err != nil {
		return storageErr(w.env, err, "reading the snapshot of %s", shown)
	}
	if !known {
		if _, err := w.j.SaveFileState(ctx, prev, false, cur); err != nil {
			return storageErr(w.env, err, "keeping a snapshot of %s", shown)
		}
		if cur.Exists {
			w.env.warnf("first sight of %s: snapshot kept; its changes are recorded from now on", shown)
		} else {
			w.env.warnf("%s does not exist yet: its creation will be recorded", shown)
		}
		return nil
	}
	if journal.SameContent(prev, cur) {
		return nil
	}
	e := journal.FileChange(prev, cur, shown, w.o.repo, time.Now())
	n, err := w.j.Add(ctx, e)
	if err != nil {
		return storageErr(w.env, err, "recording the change of %s", shown)
	}
	// Another watcher that saw the same change first has moved the
	// snapshot on already; then nothing is saved here.
	if _, err := w.j.SaveFileState(ctx, prev, true, cur); err != nil {
		return storageErr(w.env, err, "keeping a snapshot of %s", shown)
	}
	if n > 0 {
		fmt.Fprintf(w.env.stdout, "%s  %s\n", e.ID, e.Title)
		w.env.warnRisky(func(journal.Entry) string { return shown }, e)
	}
	return nil
}
