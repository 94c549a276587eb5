package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/analyst-dev/analyst/journal"
)

func importCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "add an export of a journal, or Architecture Decision Records (import adr)",
		ArgsUsage: "FILE | -",
		Description: `'import FILE' adds what 'analyst export' wrote ('-' reads stdin): entries not
yet here, with their enrichments and forget marks. Importing the same file
twice adds nothing. Entries forgotten here stay out; entries the export says
were forgotten are forgotten here too. Every entry is masked again, in case
the file was edited. The whole file is checked first: a damaged or cut file
changes nothing. (A file named 'adr' is ./adr.)

'import adr PATH' reads Architecture Decision Records: see 'analyst import adr --help'.

Examples:
  analyst import journal.jsonl
  ssh old-laptop analyst export | analyst import -
  analyst import adr docs/adr`,
		Action: func(c *cli.Context) error {
			if c.Args().Len() != 1 {
				return usageErr("analyst import FILE (written by 'analyst export'), or analyst import adr DIR", "import takes one file")
			}
			return runImport(c.Context, env, c.Args().First())
		},
		Subcommands: []*cli.Command{{
			Name:      "adr",
			Usage:     "record Architecture Decision Records (Markdown) as decisions",
			ArgsUsage: "PATH…",
			Description: `Each record (a directory of them such as docs/adr, or single files) becomes a
'decision' entry: the title from its heading ("# 1. Use Postgres"), the text
as its body, its status (accepted, superseded…) as a tag beside "adr". Its
time is its "Date:" line (or date in front matter), else the time of the
commit that added the file when it is in a git repository, else the file's
modification time. Importing again adds nothing; an edited record is
recorded again as a new entry. README, index and template files are skipped.

Examples:
  analyst import adr docs/adr
  analyst import adr --repo shop-api docs/adr/0007-use-kafka.md`,
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "repo", Usage: "the repository or service `NAME` (default: the git repository's name)"},
			},
			Action: func(c *cli.Context) error {
				if c.Args().Len() == 0 {
					return usageErr("analyst import adr docs/adr (a directory of records, or .md files)", "no records named")
				}
				return runImportADR(c.Context, env, c.Args().Slice(), c.String("repo"))
			},
		}},
	}
}

func runImport(ctx context.Context, env *environment, file string) error {
	var r io.Reader = env.stdin
	name := "stdin"
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return usageErr("give a file written by 'analyst export --output FILE'", "cannot read %s: %v", file, errors.Unwrap(err))
		}
		defer f.Close()
		r, name = f, file
	}
	x, err := journal.ReadExport(r)
	if err != nil {
		return usageErr("nothing was imported; export the journal again with 'analyst export --output FILE'",
			"%s: %v", name, err)
	}
	j, err := env.openJournal(ctx)
	if err != nil {
		return err
	}
	defer j.Close()
	st, err := j.Import(ctx, x)
	if err != nil {
		return storageErr(env, err, "importing %s", name)
	}
	fmt.Fprintf(env.stdout, "imported %d entries (%d already here, %d forgotten here), %d enrichments, %d forget marks\n",
		st.Entries, st.Known, st.Refused, st.Enrichments, st.Forgotten)
	if st.Removed > 0 {
		fmt.Fprintf(env.stdout, "forgot %d entries the export says were forgotten\n", st.Removed)
	}
	return nil
}

// adrFile is one record to import.
type adrFile struct {
	path  string // as the user gave it, or under the directory given
	entry journal.Entry
}

// skippedADRName reports whether a Markdown file in a directory of records
// is not itself a record.
func skippedADRName(name string) bool {
	base := strings.ToLower(strings.TrimSuffix(name, filepath.Ext(name)))
	return base == "readme" || base == "index" || strings.HasPrefix(base, "template")
}

func runImportADR(ctx context.Context, env *environment, paths []string, repo string) error {
	var files []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return usageErr("give a directory of decision records such as docs/adr, or .md files", "cannot read %s: %v", p, errors.Unwrap(err))
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		des, err := os.ReadDir(p)
		if err != nil {
			return failErr(err, "", "reading %s: %v", p, err)
		}
		n := 0
		for _, de := range des {
			ext := strings.ToLower(filepath.Ext(de.Name()))
			if de.Type().IsRegular() && (ext == ".md" || ext == ".markdown") && !skippedADRName(de.Name()) {
				files = append(files, filepath.Join(p, de.Name()))
				n++
			}
		}
		if n == 0 {
			return usageErr("decision records are Markdown files (docs/adr/0001-use-postgres.md)", "no decision records (.md files) in %s", p)
		}
	}
	var recs []adrFile
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			return failErr(err, "", "reading %s: %v", p, err)
		}
		a, ok := journal.ParseADR(strings.ToValidUTF8(string(b), "\uFFFD"))
		if !ok {
			if len(paths) == 1 && len(files) == 1 {
				return usageErr(`a decision record starts with a heading such as "# 1. Use Postgres"`, "%s has no title: not a decision record", p)
			}
			env.warnf("skipping %s: no title, not a decision record", p)
			continue
		}
		at, shown, name := adrContext(ctx, p, a)
		if repo != "" {
			name = repo
		}
		recs = append(recs, adrFile{path: p, entry: journal.ADREntry(a, shown, b, at, name)})
	}
	if len(recs) == 0 {
		return usageErr(`a decision record starts with a heading such as "# 1. Use Postgres"`, "no decision records found")
	}
	j, err := env.openJournal(ctx)
	if err != nil {
		return err
	}
	defer j.Close()
	ids := make([]string, len(recs))
	entries := make([]journal.Entry, len(recs))
	for i, r := range recs {
		ids[i], entries[i] = r.entry.ID, r.entry
	}
	known, err := j.Known(ctx, ids)
	if err != nil {
		return storageErr(env, err, "reading journal")
	}
	n, err := j.Add(ctx, entries...)
	if err != nil {
		return storageErr(env, err, "recording decision records")
	}
	fmt.Fprintf(env.stdout, "imported %d decision records (%d already in the journal)\n", n, len(recs)-n)
	var fresh []journal.Entry
	for _, e := range entries {
		if !known[e.ID] {
			fresh = append(fresh, e)
		}
	}
	env.warnRisky(func(e journal.Entry) string { return e.Paths[0] }, fresh...)
	return nil
}

// adrContext finds a record's time (its own date, else the commit that
// added it, else its modification time), the path to show (relative to its
// repository's top when in one) and the repository's name.
func adrContext(ctx context.Context, path string, a journal.ADR) (at time.Time, shown, repo string) {
	at, shown = a.Date, filepath.ToSlash(filepath.Clean(path))
	abs, _ := filepath.Abs(path)
	dir := filepath.Dir(abs)
	if g, err := journal.OpenGit(ctx, dir); err == nil && !g.Bare {
		repo = g.Name
		if top, err := journal.GitOutput(ctx, dir, "rev-parse", "--show-toplevel"); err == nil {
			if rel, err := filepath.Rel(strings.TrimSpace(top), abs); err == nil && !strings.HasPrefix(rel, "..") {
				shown = filepath.ToSlash(rel)
			}
		}
		if at.IsZero() {
			out, err := journal.GitOutput(ctx, dir, "log", "--diff-filter=A", "--format=%ct", "--", filepath.Base(abs))
			if lines := strings.Fields(out); err == nil && len(lines) > 0 {
				// The oldest commit that added it: when the decision was written.
				if s, err := strconv.ParseInt(slices.Min(lines), 10, 64); err == nil {
					at = time.Unix(s, 0).UTC()
				}
			}
		}
	}
	if at.IsZero() {
		if fi, err := os.Stat(path); err == nil {
			at = fi.ModTime().UTC()
		}
	}
	return at, shown, repo
}
