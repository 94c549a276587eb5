package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"
)

func exportCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:  "export",
		Usage: "write the whole journal as JSON lines (to move it or share it)",
		Description: `Writes every entry with all its fields (oldest first), the enrichments, and
the hashes by which forgotten entries are remembered (never their ids or
text), as JSON lines: a header line, then one record per line. Secrets are
as masked in the export as in the journal. 'analyst import FILE' reads it on
another machine or in a teammate's journal.

Examples:
  analyst export --output journal.jsonl
  analyst export | ssh laptop analyst import -
  analyst export | jq -c 'select(.entry.kind == "decision")'`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` (default stdout; the file is replaced whole, 0600)"},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Len() > 0 {
				return usageErr("analyst export --output FILE", "export takes no arguments")
			}
			return runExport(c.Context, env, c.String("output"))
		},
	}
}

func runExport(ctx context.Context, env *environment, output string) error {
	j, err := env.openJournal(ctx)
	if err != nil {
		return err
	}
	defer j.Close()
	if output == "" || output == "-" {
		n, err := j.Export(ctx, env.stdout)
		if err != nil {
			return failErr(err, "", "exporting: %v", err)
		}
		env.warnf("exported %d entries", n)
		return nil
	}
	// Written beside the target and renamed: a failed export leaves no
	// half file where a whole one is expected.
	tmp, err := os.CreateTemp(filepath.Dir(output), ".analyst-export-*")
	if err != nil {
		return failErr(err, "check that the directory exists and is writable", "cannot write %s: %v", output, err)
	}
	defer os.Remove(tmp.Name())
	n, err := j.Export(ctx, tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), output)
	}
	if err != nil {
		return failErr(err, "", "exporting to %s: %v", output, err)
	}
	fmt.Fprintf(env.stdout, "exported %d entries to %s\n", n, output)
	return nil
}
