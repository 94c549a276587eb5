//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/analyst-dev/analyst/journal"
)

// crashSeed makes the choices of TestCrashKills (what to run, what to kill,
// when) repeatable; ANALYST_CRASH_SEED replaces it. The moments a kill lands
// still depend on the machine.
const crashSeed = 20261204

// rebuildNotice is what index and ask say when they find the stored index
// damaged (retrieval.Store.load).
const rebuildNotice = "index file damaged: rebuilding it from the journal"

// crashBudget bounds TestCrashKills by kills and by time, and says how many
// notes the journal holds before the first kill (the more, the longer an
// index run): about 100 kills over 1,500 notes normally, fewer with -short or
// -race (every process is slower there).
func crashBudget() (kills int, d time.Duration, prefill int) {
	switch {
	case testing.Short():
		return 10, 20 * time.Second, 300
	case raceEnabled:
		return 30, 45 * time.Second, 300
	}
	return 100, 100 * time.Second, 1500
}

// crashProc is one analyst process of a TestCrashKills round.
type crashProc struct {
	kind  string // "note" or "index"
	args  []string
	kill  bool          // send SIGKILL after delay, if still running
	delay time.Duration // from the start
	out   bytes.Buffer
	err   bytes.Buffer
	res   error
	took  time.Duration
}

func (p *crashProc) run(ctx context.Context, bin string) {
	cmd := exec.CommandContext(ctx, bin, p.args...)
	cmd.Env = stressEnv()
	cmd.Stdout, cmd.Stderr = &p.out, &p.err
	start := time.Now()
	if err := cmd.Start(); err != nil {
		p.res = err
		return
	}
	if p.kill {
		// After Wait, Signal does nothing (os.ErrProcessDone).
		timer := time.AfterFunc(p.delay, func() { cmd.Process.Signal(syscall.SIGKILL) })
		defer timer.Stop()
	}
	p.res = cmd.Wait()
	p.took = time.Since(start)
}

// killed reports whether the process died of our SIGKILL.
func (p *crashProc) killed() bool {
	var ee *exec.ExitError
	if !errors.As(p.res, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// TestCrashKills kills `analyst note` and `analyst index` processes with
// SIGKILL at random moments, about 100 times, while others run beside them.
// After every kill the journal opens, passes SQLite's quick check and holds
// every acknowledged note (one whose command exited 0). After some of the
// index kills a half-written index is put in place (as a write without the
// atomic rename would leave it): ask and index each detect it, say so,
// rebuild and answer. At the end the index agrees with the journal and no
// temporary file a killed run left behind remains.
func TestCrashKills(t *testing.T) {
	maxKills, budget, prefill := crashBudget()
	seed := uint64(crashSeed)
	if s := os.Getenv("ANALYST_CRASH_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("ANALYST_CRASH_SEED=%q: %v", s, err)
		}
		seed = v
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	work := setIsolatedEnv(t)
	bin := stressBin(t)
	ctx := t.Context()
	home := filepath.Join(work, "home")
	dbPath := filepath.Join(home, "journal.db")
	indexPath := filepath.Join(home, "index", "index.bin")

	// A repository the journal follows and enough entries that an index run
	// takes a while: kills land in every part of it.
	repo := filepath.Join(work, "repo")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := stressGit(ctx, repo, "init", "-q", "-b", "main"); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if err := stressCommit(ctx, repo, i); err != nil {
			t.Fatal(err)
		}
	}
	acked := map[string]bool{}
	j, err := journal.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	var pre []journal.Entry
	for i := range prefill {
		e := journal.NewNote(fmt.Sprintf("Raised the worker pool to %d\nfor the nightly import, batch %d", 8+i%32, i),
			journal.KindNote, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i)*time.Minute), nil, "shop-api", "")
		pre = append(pre, e)
		acked[e.ID] = true
	}
	if _, err := j.Add(ctx, pre...); err != nil {
		t.Fatal(err)
	}
	j.Close()
	mustRun(t, "--home", home, "index", "--repo", repo)

	var (
		rounds, noteKills, indexKills   int
		notesRun, indexRuns             int
		tempsLeft, injected, rebuiltOwn int
		foundAfterKill                  int
	)
	// est is how long an unkilled run of each kind took, recently: kills are
	// spread over [0, 1.2×est].
	est := map[string]time.Duration{"note": 20 * time.Millisecond, "index": 300 * time.Millisecond}
	tempsSeen := map[string]bool{}
	deadline := time.Now().Add(budget)
	for noteKills+indexKills < maxKills && time.Now().Before(deadline) {
		rounds++
		indexArgs := []string{"--home", home, "index"}
		if rng.IntN(10) < 3 {
			indexArgs = append(indexArgs, "--full")
		}
		procs := []*crashProc{{kind: "index", args: indexArgs}}
		for k := range 2 {
			procs = append(procs, &crashProc{kind: "note", args: []string{"--home", home, "note", "--kind", "ops",
				fmt.Sprintf("Round %d, note %d: restarted the importer after lowering its timeout", rounds, k)}})
		}
		for _, p := range procs {
			p.kill = rng.IntN(2) == 0
			p.delay = time.Duration(rng.Int64N(int64(est[p.kind])*6/5 + 1))
		}
		var wg sync.WaitGroup
		for _, p := range procs {
			wg.Go(func() { p.run(ctx, bin) })
		}
		wg.Wait()

		killedIndex := false
		kills := 0
		for _, p := range procs {
			switch {
			case p.res == nil:
				est[p.kind] = (3*est[p.kind] + p.took) / 4
				if p.kind == "note" {
					notesRun++
					acked[strings.TrimSpace(p.out.String())] = true
				} else {
					indexRuns++
					rebuiltOwn += strings.Count(p.err.String(), rebuildNotice)
				}
			case p.killed():
				kills++
				if p.kind == "note" {
					noteKills++
				} else {
					indexKills++
					killedIndex = true
				}
			default:
				t.Fatalf("round %d: analyst %s failed, not killed: %v\n%s", rounds, strings.Join(p.args, " "), p.res, p.err.String())
			}
		}
		if kills == 0 {
			continue
		}

		// The journal opens, is sound and holds every acknowledged note.
		stressIntegrity(t, dbPath, true)
		j, err := journal.Open(ctx, dbPath)
		if err != nil {
			t.Fatalf("round %d: opening the journal after a kill: %v", rounds, err)
		}
		found := map[string]bool{}
		err = j.List(ctx, journal.Filter{NoDiff: true}, func(e journal.Entry) error {
			found[e.ID] = true
			return nil
		})
		j.Close()
		if err != nil {
			t.Fatalf("round %d: reading the journal after a kill: %v", rounds, err)
		}
		for id := range acked {
			if !found[id] {
				t.Fatalf("round %d: acknowledged note %s is not in the journal after a kill", rounds, id)
			}
		}
		foundAfterKill = len(found)

		// After a killed index run, now and then, put a half-written index in
		// place (what a write cut short would leave without the atomic
		// rename): a prefix of the index file, or of the temporary file the
		// killed run left. Ask and index must notice, rebuild and answer.
		if !killedIndex {
			continue
		}
		src := indexPath
		for _, name := range stressTemps(t, home) {
			if strings.HasPrefix(name, "index.bin.tmp") {
				src = filepath.Join(home, "index", name)
				if !tempsSeen[name] {
					tempsSeen[name] = true
					tempsLeft++
				}
			}
		}
		if rng.IntN(3) != 0 {
			continue
		}
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 0 {
			b = b[:rng.IntN(len(b))]
		}
		if err := os.WriteFile(indexPath, b, 0o600); err != nil {
			t.Fatal(err)
		}
		injected++
		out, errOut, code := analystRun(t, "", "--home", home, "ask", "--no-llm", "--json", "importer times out after the pool change")
		if code != 0 || !strings.Contains(errOut, rebuildNotice) {
			t.Fatalf("round %d: ask on a half-written index (%d bytes): exit %d, want 0 and %q\n%s", rounds, len(b), code, rebuildNotice, errOut)
		}
		if a := askJSONOf(t, out); len(a.Suspects) == 0 {
			t.Fatalf("round %d: ask on a half-written index found no suspects", rounds)
		}
		_, errOut, code = analystRun(t, "", "--home", home, "index")
		if code != 0 || !strings.Contains(errOut, rebuildNotice) {
			t.Fatalf("round %d: index on a half-written index (%d bytes): exit %d, want 0 and %q\n%s", rounds, len(b), code, rebuildNotice, errOut)
		}
	}
	if noteKills == 0 || indexKills == 0 {
		t.Errorf("no kill landed in some kind of process: %d in note, %d in index", noteKills, indexKills)
	}

	// Finally: a sound journal with every acknowledged note, and an index
	// that agrees with it, with nothing left behind.
	_, errOut, code := analystRun(t, "", "--home", home, "index")
	if code != 0 {
		t.Fatalf("final index: exit %d\n%s", code, errOut)
	}
	rebuiltOwn += strings.Count(errOut, rebuildNotice)
	stressIntegrity(t, dbPath, false)
	lines := stressLog(t, home)
	found := map[string]bool{}
	for _, l := range lines {
		found[l.ID] = true
	}
	for id := range acked {
		if !found[id] {
			t.Errorf("acknowledged note %s is not in the journal", id)
		}
	}
	stressCheckIndex(t, home, lines)
	if left := stressTemps(t, home); len(left) > 0 {
		t.Errorf("temporary files left in the index directory after an index run: %v", left)
	}
	t.Logf("seed %d: %d rounds, %d kills survived (%d note, %d index); %d notes and %d index runs finished; "+
		"%d notes acknowledged (%d before), %d entries in the journal (%d at the last kill); "+
		"%d temporary index files left by kills; %d half-written indexes put in place, each rebuilt by ask and by index; %d rebuilds announced otherwise",
		seed, rounds, noteKills+indexKills, noteKills, indexKills, notesRun, indexRuns,
		len(acked), prefill, len(lines), foundAfterKill, tempsLeft, injected, rebuiltOwn)
}

// TestDamagedIndexRebuilt: an index file cut short, with bytes changed, or
// replaced by garbage is detected by ask and by index, each says so and
// answers, and index writes a sound one back. A changed byte may lie in the
// built-in vectors, which ask reads (and checks) only when they weigh in
// its ranking: ask may then answer without noticing, and index finds it.
func TestDamagedIndexRebuilt(t *testing.T) {
	damages := []struct {
		name   string
		damage func(b []byte) []byte
		unread bool // may lie in a section ask does not read
	}{
		{"empty", func(b []byte) []byte { return nil }, false},
		{"three bytes", func(b []byte) []byte { return b[:3] }, false},
		{"header only", func(b []byte) []byte { return b[:32] }, false},
		{"cut in half", func(b []byte) []byte { return b[:len(b)/2] }, false},
		{"checksum cut", func(b []byte) []byte { return b[:len(b)-1] }, false},
		{"byte flipped", func(b []byte) []byte { b[len(b)/3] ^= 0x5a; return b }, true},
		{"checksum flipped", func(b []byte) []byte { b[len(b)-1] ^= 0x01; return b }, true},
		{"trailing garbage", func(b []byte) []byte { return append(b, "garbage"...) }, false},
		{"random bytes", func(b []byte) []byte {
			r := rand.New(rand.NewPCG(1, 2))
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			return b
		}, false},
	}
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			work := setIsolatedEnv(t)
			home := filepath.Join(work, "home")
			for i := range 20 {
				mustRun(t, "--home", home, "note", "--kind", "decision", "--at", fmt.Sprintf("2026-11-01T10:%02d:00Z", i),
					fmt.Sprintf("Lowered the importer timeout to %ds", 5+i))
			}
			repo := filepath.Join(work, "repo")
			if err := os.MkdirAll(repo, 0o755); err != nil {
				t.Fatal(err)
			}
			if _, err := stressGit(t.Context(), repo, "init", "-q", "-b", "main"); err != nil {
				t.Fatal(err)
			}
			if err := stressCommit(t.Context(), repo, 0); err != nil {
				t.Fatal(err)
			}
			mustRun(t, "--home", home, "index", "--repo", repo)
			path := filepath.Join(home, "index", "index.bin")
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, d.damage(b), 0o600); err != nil {
				t.Fatal(err)
			}

			out, errOut, code := analystRun(t, "", "--home", home, "ask", "--no-llm", "--json", "importer timeout")
			if code != 0 || !strings.Contains(errOut, rebuildNotice) && !d.unread {
				t.Fatalf("ask: exit %d, want 0 and %q\n%s", code, rebuildNotice, errOut)
			}
			if a := askJSONOf(t, out); len(a.Suspects) == 0 {
				t.Errorf("ask on a damaged index found no suspects")
			}
			_, errOut, code = analystRun(t, "", "--home", home, "index")
			if code != 0 || !strings.Contains(errOut, rebuildNotice) {
				t.Fatalf("index: exit %d, want 0 and %q\n%s", code, rebuildNotice, errOut)
			}
			stressCheckIndex(t, home, stressLog(t, home))
			// Rebuilt for good: the next run finds nothing wrong.
			_, errOut, code = analystRun(t, "", "--home", home, "index")
			if code != 0 || strings.Contains(errOut, "damaged") {
				t.Errorf("index after the rebuild: exit %d\n%s", code, errOut)
			}
		})
	}
}
