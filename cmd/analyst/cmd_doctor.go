package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ollama/ollama/api"
	"github.com/urfave/cli/v2"

	"github.com/analyst-dev/analyst/embed"
	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval"
)

// Check statuses: ok, warn (analyst works, with less), fail (it cannot do
// its job, or the journal is at risk).
const (
	checkOK   = "ok"
	checkWarn = "warn"
	checkFail = "fail"
)

// check is one finding of doctor, with the command that fixes it.
type check struct {
	Name    string `json:"name"`
	Status  string `json:"status"`
	Message string `json:"message"`
	Fix     string `json:"fix,omitempty"`
}

// doctorJSON is what doctor --json prints.
type doctorJSON struct {
	Version int     `json:"version"`
	OK      bool    `json:"ok"` // no check failed (warnings allowed)
	Checks  []check `json:"checks"`
}

func doctorCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:  "doctor",
		Usage: "check Ollama, models, index, hooks, nightly job and journal, with the fix for each problem",
		Description: `Prints one line per check — ok, warn or fail — and, below a problem, the
command that fixes it. Warnings leave analyst working with less (no Ollama:
retrieval only; no hook: commits wait for the next index); a failure means it
cannot do its job or the journal is at risk. Exit 0 when nothing failed, 1
otherwise.

Examples:
  analyst doctor
  analyst doctor --json | jq -r '.checks[] | select(.status != "ok") | .fix'`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object: {version, ok, checks: [{name, status, message, fix}]}"},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Len() > 0 {
				return usageErr("analyst doctor [--json]", "doctor takes no arguments")
			}
			return runDoctor(c.Context, env, c.Bool("json"))
		},
	}
}

func runDoctor(ctx context.Context, env *environment, asJSON bool) error {
	var checks []check
	checks = append(checks, doctorOllama(ctx, env)...)
	checks = append(checks, doctorJournal(ctx, env)...)
	checks = append(checks, doctorSchedule(ctx, env))
	failed := 0
	for _, c := range checks {
		if c.Status == checkFail {
			failed++
		}
	}
	if asJSON {
		b, err := json.MarshalIndent(doctorJSON{Version: 1, OK: failed == 0, Checks: checks}, "", "  ")
		if err != nil {
			return failErr(err, "", "%v", err)
		}
		fmt.Fprintf(env.stdout, "%s\n", b)
	} else {
		for _, c := range checks {
			fmt.Fprintf(env.stdout, "%-4s  %s: %s\n", c.Status, c.Name, c.Message)
			for _, l := range strings.Split(c.Fix, "\n") {
				if l != "" {
					fmt.Fprintf(env.stdout, "      fix: %s\n", l)
				}
			}
		}
	}
	if failed > 0 {
		return failErr(nil, "run the fix under each failed check", "%d of %d checks failed", failed, len(checks))
	}
	return nil
}

// doctorOllama checks the server and, when it answers, the two models.
func doctorOllama(ctx context.Context, env *environment) []check {
	if env.config.Ollama != nil && !*env.config.Ollama {
		return []check{{Name: "ollama", Status: checkOK, Message: "turned off in the config (ollama = false): retrieval only, no explanations"}}
	}
	c, host, ok := env.ollama()
	if !ok {
		return []check{{Name: "ollama", Status: checkWarn, Message: "OLLAMA_HOST is not a valid address: " + os.Getenv("OLLAMA_HOST"),
			Fix: "export OLLAMA_HOST=127.0.0.1:11434"}}
	}
	if !reachable(ctx, c) {
		return []check{{Name: "ollama", Status: checkWarn,
			Message: "unreachable at " + host + ": ask shows retrieval only, without explanations; models not checked",
			Fix:     "start it: ollama serve (or: systemctl start ollama)"}}
	}
	out := []check{{Name: "ollama", Status: checkOK, Message: "reachable at " + host}}
	if !isLoopback(host) {
		out[0].Status = checkWarn
		out[0].Message += ", off this machine: the journal's contents travel there"
		out[0].Fix = "export OLLAMA_HOST=127.0.0.1:11434 to keep them here"
	}
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	list, err := c.List(lctx)
	if err != nil {
		return append(out, check{Name: "models", Status: checkWarn, Message: "could not list the models: " + err.Error()})
	}
	have := map[string]bool{}
	for _, m := range list.Models {
		for _, n := range []string{m.Name, m.Model} {
			have[n] = true
			have[strings.TrimSuffix(n, ":latest")] = true
		}
	}
	for _, m := range []struct{ name, model, use string }{
		{"embed model", env.config.EmbedModel, "index and ask use the built-in embedder"},
		{"chat model", env.config.ChatModel, "ask shows retrieval only, without explanations"},
	} {
		if have[m.model] {
			out = append(out, check{Name: m.name, Status: checkOK, Message: m.model + " is pulled"})
			if m.name == "embed model" {
				out = append(out, doctorVectors(ctx, env, c))
			}
			continue
		}
		out = append(out, check{Name: m.name, Status: checkWarn, Message: m.model + " is not pulled: " + m.use,
			Fix: "ollama pull " + m.model})
	}
	return out
}

// doctorVectors checks that the index holds vectors of the embedding model
// as the server has it now (its digest): vectors of the same name made by
// other weights are not used.
func doctorVectors(ctx context.Context, env *environment, c *api.Client) check {
	const fix = "analyst index"
	store, err := env.indexStore()
	if err != nil {
		return check{Name: "vectors", Status: checkWarn, Message: err.Error()}
	}
	o := embed.NewOllama(c, env.config.EmbedModel)
	o.LearnDigest(ctx)
	name := o.Name()
	if ds, _, err := retrieval.LoadDenseFor(store.Dir, name); err == nil {
		return check{Name: "vectors", Status: checkOK, Message: fmt.Sprintf("%d %s of %s", len(ds.Vecs), plural(len(ds.Vecs), "entry", "entries"), name)}
	}
	if others, _ := retrieval.DenseFiles(store.Dir, name); len(others) > 0 {
		return check{Name: "vectors", Status: checkWarn,
			Message: fmt.Sprintf("%s changed since its vectors were made (pulled again): ask ranks with the built-in vectors", o.Model()), Fix: fix}
	}
	return check{Name: "vectors", Status: checkWarn, Message: "no vectors of " + name + " yet: ask ranks with the built-in vectors", Fix: fix}
}

// doctorJournal checks the journal file, its index and the hooks of the
// repositories it knows.
func doctorJournal(ctx context.Context, env *environment) []check {
	var out []check
	path := env.journalPath()
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return []check{{Name: "journal", Status: checkWarn, Message: "no journal yet in " + env.home,
			Fix: "analyst index --repo PATH (or: analyst note \"…\")"}}
	}
	out = append(out, doctorPermissions(env)...)
	j, err := journal.Open(ctx, path)
	if err != nil {
		fix := "restore " + path + " from a backup, or move it aside and run analyst index again"
		if errors.Is(err, journal.ErrNewerSchema) {
			fix = "upgrade analyst to read this journal"
		}
		return append(out, check{Name: "journal", Status: checkFail, Message: "cannot be opened: " + err.Error(), Fix: fix})
	}
	defer j.Close()
	problems, err := j.QuickCheck(ctx)
	if err == nil && len(problems) > 0 {
		err = errors.New(strings.Join(problems, "; "))
	}
	if err != nil {
		return append(out, check{Name: "journal", Status: checkFail, Message: "damaged: " + err.Error(),
			Fix: "restore " + path + " from a backup, or: sqlite3 " + path + " .recover | sqlite3 recovered.db"})
	}
	v, err := j.DiskSchema(ctx)
	st, serr := j.Stats(ctx)
	if err != nil || serr != nil {
		return append(out, check{Name: "journal", Status: checkFail, Message: "unreadable: " + errors.Join(err, serr).Error()})
	}
	out = append(out, check{Name: "journal", Status: checkOK,
		Message: fmt.Sprintf("%s: %d %s, schema %d, quick_check ok", path, st.Entries, plural(int(st.Entries), "entry", "entries"), v)})
	out = append(out, doctorIndex(ctx, env, j, st))
	out = append(out, doctorHooks(ctx, j)...)
	return out
}

// doctorPermissions fails when the home or the journal's files are open to
// other users: the journal holds every diff.
func doctorPermissions(env *environment) []check {
	var wrong []string
	var fixes []string
	if fi, err := os.Stat(env.home); err == nil && fi.Mode().Perm()&0o077 != 0 {
		wrong = append(wrong, fmt.Sprintf("%s is %04o", env.home, fi.Mode().Perm()))
		fixes = append(fixes, "chmod 700 "+shellWord(env.home))
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		p := env.journalPath() + suffix
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o077 != 0 {
			wrong = append(wrong, fmt.Sprintf("%s is %04o", filepath.Base(p), fi.Mode().Perm()))
			fixes = append(fixes, "chmod 600 "+shellWord(p))
		}
	}
	if len(wrong) == 0 {
		return []check{{Name: "permissions", Status: checkOK, Message: "home 0700, journal 0600"}}
	}
	return []check{{Name: "permissions", Status: checkFail,
		Message: "other users can read the journal: " + strings.Join(wrong, ", "), Fix: strings.Join(fixes, "\n")}}
}

// doctorIndex says how many journal entries the stored index lacks.
func doctorIndex(ctx context.Context, env *environment, j *journal.Store, st journal.Stats) check {
	const fix = "analyst index"
	store, err := env.indexStore()
	if err != nil {
		return check{Name: "index", Status: checkWarn, Message: err.Error()}
	}
	var watermark int64
	ix, err := retrieval.Load(store.IndexPath(), store.Cat)
	switch {
	case err == nil:
		watermark = ix.Watermark
	case errors.Is(err, fs.ErrNotExist):
		if st.Entries == 0 {
			return check{Name: "index", Status: checkOK, Message: "nothing to index yet"}
		}
		return check{Name: "index", Status: checkWarn, Message: fmt.Sprintf("not built yet: %d %s to index", st.Entries, plural(int(st.Entries), "entry", "entries")), Fix: fix}
	default:
		return check{Name: "index", Status: checkWarn, Message: "will be rebuilt: " + err.Error(), Fix: fix}
	}
	n, err := j.CountAfter(ctx, watermark)
	if err != nil {
		return check{Name: "index", Status: checkWarn, Message: err.Error()}
	}
	if n > 0 {
		return check{Name: "index", Status: checkWarn,
			Message: fmt.Sprintf("%d %s not indexed yet (ask indexes them on the fly, more slowly)", n, plural(int(n), "journal entry is", "journal entries are")), Fix: fix}
	}
	return check{Name: "index", Status: checkOK, Message: "up to date with the journal"}
}

// doctorHooks checks the post-commit hook of each known repository with a
// work tree (commits are not made in bare mirrors).
func doctorHooks(ctx context.Context, j *journal.Store) []check {
	repos, err := j.Repos(ctx)
	if err != nil {
		return []check{{Name: "hooks", Status: checkWarn, Message: err.Error()}}
	}
	if len(repos) == 0 {
		return []check{{Name: "hooks", Status: checkOK, Message: "no repositories known yet"}}
	}
	var out []check
	for _, r := range repos {
		name := "hook " + r.Name
		g, err := journal.OpenGit(ctx, r.Path)
		if err != nil {
			out = append(out, check{Name: name, Status: checkWarn, Message: r.Path + " is no longer a git repository",
				Fix: "analyst forget --repo " + shellWord(r.Name) + " (or restore the repository)"})
			continue
		}
		if g.Bare {
			out = append(out, check{Name: name, Status: checkOK, Message: "bare repository: refreshed by analyst index"})
			continue
		}
		workTree := filepath.Dir(g.Dir)
		dir, err := hooksDir(ctx, g)
		var b []byte
		if err == nil {
			b, err = os.ReadFile(filepath.Join(dir, "post-commit"))
		}
		if err != nil || !strings.Contains(string(b), hookBegin) {
			out = append(out, check{Name: name, Status: checkWarn, Message: "no post-commit hook: new commits wait for the next analyst index",
				Fix: "analyst hook install --repo " + shellWord(workTree)})
			continue
		}
		out = append(out, check{Name: name, Status: checkOK, Message: "post-commit hook installed"})
	}
	return out
}

// doctorSchedule checks for the nightly job.
func doctorSchedule(ctx context.Context, env *environment) check {
	st, err := findSchedule(ctx, env)
	if err != nil {
		return check{Name: "schedule", Status: checkWarn, Message: err.Error()}
	}
	if st.Via == "" {
		return check{Name: "schedule", Status: checkWarn, Message: "no nightly job: repositories refresh only when you run analyst index",
			Fix: "analyst schedule install"}
	}
	msg := fmt.Sprintf("nightly at %s (%s)", st.At, describeVia(st.Via))
	if !st.LastRun.IsZero() {
		msg += ", last ran " + st.LastRun.UTC().Format(time.RFC3339)
	}
	return check{Name: "schedule", Status: checkOK, Message: msg}
}
