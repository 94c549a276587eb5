package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/analyst-dev/analyst/journal"
	"github.com/analyst-dev/analyst/retrieval"
	"github.com/analyst-dev/analyst/retrieval/catalog"
)

// The stress tests start the real analyst program as separate processes:
// this test binary, which TestMain (testscript.Main) puts on PATH under the
// name analyst and which runs as the command under that name. No build step,
// and under -race the children are race-checked too.

// stressNotesPerWriter is how many notes each of the 16 writers appends:
// 500 (8,000 in all) normally; fewer with -short, and with -race, where every
// process is several times slower (the full size takes about 15 s without
// it, 100 s with it, on two cores). ANALYST_STRESS_FULL=1 forces the full
// size.
func stressNotesPerWriter() int {
	switch {
	case os.Getenv("ANALYST_STRESS_FULL") != "":
		return 500
	case testing.Short():
		return 10
	case raceEnabled:
		return 100
	}
	return 500
}

// stressBin returns the analyst program on PATH (see above).
func stressBin(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("analyst")
	if err != nil {
		t.Fatalf("analyst is not on PATH (TestMain puts it there): %v", err)
	}
	return p
}

// stressEnv is the environment of a child process: the test's (isolated by
// setIsolatedEnv), and under -race no pause at exit (the race runtime
// otherwise sleeps a second before every exit).
func stressEnv() []string {
	env := os.Environ()
	if raceEnabled {
		env = append(env, "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	}
	return env
}

// stressProc runs bin with args as a child process and returns its output.
func stressProc(ctx context.Context, bin string, args ...string) (stdout, stderr string, err error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = stressEnv()
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// stressGit runs git in dir and returns its output.
func stressGit(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir, "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Env = stressEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// stressCommit writes a file in the work tree dir and commits it.
func stressCommit(ctx context.Context, dir string, i int) error {
	content := fmt.Sprintf("max_pool_size = %d\n", 10+i)
	if err := os.WriteFile(filepath.Join(dir, "pool.conf"), []byte(content), 0o644); err != nil {
		return err
	}
	if _, err := stressGit(ctx, dir, "add", "pool.conf"); err != nil {
		return err
	}
	_, err := stressGit(ctx, dir, "commit", "-q", "-m", fmt.Sprintf("Set the connection pool to %d", 10+i))
	return err
}

// stressLog returns `analyst log --json` of home, parsed.
func stressLog(t *testing.T, home string) []logLine {
	t.Helper()
	out := mustRun(t, "--home", home, "log", "--json")
	var lines []logLine
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var l logLine
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("log --json: %v", err)
		}
		lines = append(lines, l)
	}
	return lines
}

// stressIndexIDs returns the ids of the documents in home's stored index.
func stressIndexIDs(t *testing.T, home string) []string {
	t.Helper()
	ix, err := retrieval.Load(filepath.Join(home, "index", "index.bin"), catalog.Default())
	if err != nil {
		t.Fatalf("loading the index: %v", err)
	}
	ids := make([]string, 0, len(ix.Docs))
	for _, d := range ix.Docs {
		ids = append(ids, d.ID)
	}
	return ids
}

// stressCheckIndex fails unless the stored index holds exactly the
// journal's entries.
func stressCheckIndex(t *testing.T, home string, lines []logLine) {
	t.Helper()
	var want []string
	for _, l := range lines {
		want = append(want, l.ID)
	}
	got := stressIndexIDs(t, home)
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		missing, extra := stressSetDiff(want, got), stressSetDiff(got, want)
		t.Errorf("index holds %d docs, journal %d entries: %d missing from the index (e.g. %v), %d not in the journal (e.g. %v)",
			len(got), len(want), len(missing), stressHead(missing, 3), len(extra), stressHead(extra, 3))
	}
}

// stressSetDiff returns the elements of a that are not in b.
func stressSetDiff(a, b []string) []string {
	in := make(map[string]bool, len(b))
	for _, s := range b {
		in[s] = true
	}
	var out []string
	for _, s := range a {
		if !in[s] {
			out = append(out, s)
		}
	}
	return out
}

func stressHead(s []string, n int) []string { return s[:min(n, len(s))] }

// stressIntegrity runs SQLite's integrity check on the journal database.
func stressIntegrity(t *testing.T, path string, quick bool) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(30000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pragma := "PRAGMA integrity_check"
	if quick {
		pragma = "PRAGMA quick_check"
	}
	rows, err := db.Query(pragma)
	if err != nil {
		t.Fatalf("%s: %v", pragma, err)
	}
	defer rows.Close()
	var res []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		res = append(res, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", pragma, err)
	}
	if len(res) != 1 || res[0] != "ok" {
		t.Fatalf("%s: %v", pragma, res)
	}
}

// stressTemps lists temporary files left in the index directory.
func stressTemps(t *testing.T, home string) []string {
	t.Helper()
	des, err := os.ReadDir(filepath.Join(home, "index"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, de := range des {
		if strings.Contains(de.Name(), ".tmp") {
			out = append(out, de.Name())
		}
	}
	return out
}

// stressWriterEnv makes this test binary a writer process of
// TestConcurrentWritersHookAndIndex: "W:N:HOME" asks TestStressWriterProcess
// to append N notes to HOME as writer W.
const stressWriterEnv = "ANALYST_STRESS_WRITER"

// stressWriter runs writer w as a separate process (this test binary running
// TestStressWriterProcess) and returns the ids of the notes it acknowledged,
// in order.
func stressWriter(ctx context.Context, home string, w, n int) ([]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, "-test.run=^TestStressWriterProcess$", "-test.count=1")
	cmd.Env = append(stressEnv(), fmt.Sprintf("%s=%d:%d:%s", stressWriterEnv, w, n, home))
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	var ids []string
	for _, line := range strings.Split(o.String(), "\n") {
		if id, ok := strings.CutPrefix(line, "ack "); ok {
			ids = append(ids, id)
		}
	}
	if err == nil && len(ids) != n {
		err = fmt.Errorf("acknowledged %d notes, want %d", len(ids), n)
	}
	if err != nil {
		return ids, fmt.Errorf("%v\n%s%s", err, o.Bytes()[max(0, o.Len()-2000):], e.String())
	}
	return ids, nil
}

// TestStressWriterProcess is a writer process of
// TestConcurrentWritersHookAndIndex, and skips when run otherwise. It runs
// the note command once per note, as `analyst note` does: each call opens
// the journal, appends one entry and closes it. It prints "ack ID" for every
// note the command acknowledged (exit 0).
func TestStressWriterProcess(t *testing.T) {
	spec := os.Getenv(stressWriterEnv)
	if spec == "" {
		t.Skip("a writer process of TestConcurrentWritersHookAndIndex, run only by it")
	}
	parts := strings.SplitN(spec, ":", 3)
	if len(parts) != 3 {
		t.Fatalf("%s=%q: want W:N:HOME", stressWriterEnv, spec)
	}
	w, err1 := strconv.Atoi(parts[0])
	n, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		t.Fatalf("%s=%q: want W:N:HOME", stressWriterEnv, spec)
	}
	home := parts[2]
	for i := range n {
		var out, errb bytes.Buffer
		args := []string{"analyst", "--home", home, "note", "--tag", fmt.Sprintf("writer-%d", w),
			fmt.Sprintf("writer %d, note %d: raised the pool size for the nightly batch", w, i)}
		if code := run(t.Context(), args, strings.NewReader(""), &out, &errb); code != 0 {
			t.Fatalf("note %d: exit %d\n%s", i, code, errb.String())
		}
		fmt.Printf("ack %s\n", strings.TrimSpace(out.String()))
	}
}

// TestConcurrentWritersHookAndIndex: 16 writer processes each append 500
// notes (one note command per note, see TestStressWriterProcess) while four
// `analyst index` processes run over and over and commits are made in a loop
// in a repository with the post-commit hook installed, all on a journal that
// does not exist yet. Nothing is lost or doubled, every process succeeds, the
// database is sound, and the index then agrees with the journal.
func TestConcurrentWritersHookAndIndex(t *testing.T) {
	const writers, indexers = 16, 4
	notesPer := stressNotesPerWriter()
	work := setIsolatedEnv(t)
	bin := stressBin(t)
	ctx := t.Context()
	home := filepath.Join(work, "home")
	repo := filepath.Join(work, "repo")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := stressGit(ctx, repo, "init", "-q", "-b", "main"); err != nil {
		t.Fatal(err)
	}
	if err := stressCommit(ctx, repo, 0); err != nil {
		t.Fatal(err)
	}

	var (
		mu      sync.Mutex
		acked   = map[string]bool{}
		dupAcks int
	)
	var writersWG sync.WaitGroup
	for w := range writers {
		writersWG.Go(func() {
			ids, err := stressWriter(ctx, home, w, notesPer)
			mu.Lock()
			defer mu.Unlock()
			for _, id := range ids {
				if acked[id] {
					dupAcks++
				}
				acked[id] = true
			}
			if err != nil {
				t.Errorf("writer %d, after %d notes: %v", w, len(ids), err)
			}
		})
	}
	writersDone := make(chan struct{})
	go func() { writersWG.Wait(); close(writersDone) }()
	stopped := func() bool {
		select {
		case <-writersDone:
			return true
		default:
			return false
		}
	}

	var bg sync.WaitGroup
	var indexRuns, commits atomic.Int64
	commits.Store(1)
	for k := range indexers {
		bg.Go(func() {
			for !stopped() {
				if _, errOut, err := stressProc(ctx, bin, "--home", home, "index", "--repo", repo); err != nil {
					t.Errorf("index run %d of indexer %d: %v\n%s", indexRuns.Load(), k, err, errOut)
					return
				}
				indexRuns.Add(1)
			}
		})
	}
	bg.Go(func() {
		if _, errOut, err := stressProc(ctx, bin, "--home", home, "hook", "install", "--repo", repo); err != nil {
			t.Errorf("hook install: %v\n%s", err, errOut)
			return
		}
		for i := 1; !stopped(); i++ {
			if err := stressCommit(ctx, repo, i); err != nil {
				t.Errorf("commit %d: %v", i, err)
				return
			}
			commits.Add(1)
		}
	})
	<-writersDone
	bg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	// With nothing else running, a commit is in the journal as soon as git
	// returns: the hook recorded it.
	if err := stressCommit(ctx, repo, int(commits.Load())); err != nil {
		t.Fatal(err)
	}
	commits.Add(1)
	last, err := stressGit(ctx, repo, "rev-parse", "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	last = strings.TrimSpace(last)
	j, err := journal.Open(ctx, filepath.Join(home, "journal.db"))
	if err != nil {
		t.Fatal(err)
	}
	hooked := 0
	err = j.List(ctx, journal.Filter{Kind: journal.KindCommit, NoDiff: true}, func(e journal.Entry) error {
		if e.Meta.Source == "hook" {
			hooked++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if e, err := j.Get(ctx, last); err != nil || e.Meta.Source != "hook" {
		t.Errorf("the last commit, made with nothing else running, is not recorded by the hook: %v (source %q)", err, e.Meta.Source)
	}
	j.Close()

	out, err := stressGit(ctx, repo, "rev-list", "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	shas := strings.Fields(out)
	if int64(len(shas)) != commits.Load() {
		t.Fatalf("git has %d commits, the test made %d", len(shas), commits.Load())
	}

	// Every commit is in the journal before the final index: the hook or a
	// concurrent index recorded it.
	lines := stressLog(t, home)
	checkJournal := func(lines []logLine) {
		t.Helper()
		seen := map[string]int{}
		notes, commitEntries := 0, 0
		for _, l := range lines {
			seen[l.ID]++
			switch l.Kind {
			case journal.KindNote:
				notes++
			case journal.KindCommit:
				commitEntries++
			}
		}
		for id, n := range seen {
			if n > 1 {
				t.Errorf("id %s appears %d times", id, n)
			}
		}
		if want := writers * notesPer; notes != want || len(acked) != want || dupAcks != 0 {
			t.Errorf("journal holds %d notes, %d acknowledged (%d duplicate ids acknowledged); want %d", notes, len(acked), dupAcks, want)
		}
		for id := range acked {
			if seen[id] == 0 {
				t.Errorf("acknowledged note %s is not in the journal", id)
			}
		}
		if commitEntries != len(shas) {
			t.Errorf("journal holds %d commits, git has %d", commitEntries, len(shas))
		}
		for _, sha := range shas {
			if seen[sha] == 0 {
				t.Errorf("commit %s is not in the journal", sha)
			}
		}
		if len(lines) != notes+commitEntries {
			t.Errorf("journal holds %d entries, %d notes and %d commits", len(lines), notes, commitEntries)
		}
	}
	checkJournal(lines)
	stressIntegrity(t, filepath.Join(home, "journal.db"), false)

	mustRun(t, "--home", home, "index")
	lines = stressLog(t, home)
	checkJournal(lines)
	stressCheckIndex(t, home, lines)
	if left := stressTemps(t, home); len(left) > 0 {
		t.Errorf("temporary files left in the index directory: %v", left)
	}
	t.Logf("%d writers × %d notes: %d notes acknowledged, %d entries in the journal (%d commits, %d recorded by the hook); %d concurrent index runs; index holds %d docs",
		writers, notesPer, len(acked), len(lines), len(shas), hooked, indexRuns.Load(), len(stressIndexIDs(t, home)))
}
