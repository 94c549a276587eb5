package main

import (
	"io"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// examplesOf returns the example command lines of a help text: the lines
// under "Examples:" that run analyst.
func examplesOf(description string) []string {
	_, after, ok := strings.Cut(description, "Examples:\n")
	if !ok {
		return nil
	}
	var out []string
	for _, l := range strings.Split(after, "\n") {
		if strings.Contains(l, "analyst ") {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return out
}

// Every command's --help shows examples. A subcommand may instead be shown
// in its parent's examples ("analyst hook install").
func TestEveryCommandHasExamples(t *testing.T) {
	setIsolatedEnv(t)
	app := newApp(&environment{stdout: io.Discard, stderr: io.Discard})
	var walk func(path []string, parent *cli.Command, cmds []*cli.Command)
	walk = func(path []string, parent *cli.Command, cmds []*cli.Command) {
		for _, c := range cmds {
			if c.Hidden || c.Name == "help" {
				continue
			}
			p := append(append([]string(nil), path...), c.Name)
			name := strings.Join(p, " ")
			own := examplesOf(c.Description)
			inParent := false
			if parent != nil {
				for _, e := range examplesOf(parent.Description) {
					inParent = inParent || strings.Contains(e, " "+name)
				}
			}
			if len(own) == 0 && !inParent {
				t.Errorf("analyst %s: no examples in its help (add an \"Examples:\" section to its Description)", name)
			}
			if parent == nil {
				out, errOut, code := analystRun(t, "", append(p, "--help")...)
				if code != 0 || !strings.Contains(out, "Examples:") {
					t.Errorf("analyst %s --help: exit %d, no examples\n%s%s", name, code, out, errOut)
				}
			}
			walk(p, c, c.Subcommands)
		}
	}
	walk(nil, nil, app.Commands)
	if len(examplesOf(app.Description)) == 0 {
		t.Error("analyst --help has no examples")
	}
}

// Every command has a group in --help.
func TestEveryCommandHasACategory(t *testing.T) {
	app := newApp(&environment{stdout: io.Discard, stderr: io.Discard})
	for _, c := range app.Commands {
		if !c.Hidden && c.Category == "" {
			t.Errorf("analyst %s has no category: add it to commandCategory", c.Name)
		}
	}
	for name := range commandCategory {
		if app.Command(name) == nil {
			t.Errorf("commandCategory names %q, which is no command", name)
		}
	}
}
