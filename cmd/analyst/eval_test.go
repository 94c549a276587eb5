package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestEvalMinesFixes builds a history whose fixes name the commits they fix
// and checks that eval finds those cases and scores where the causes rank.
func TestEvalMinesFixes(t *testing.T) {
	work := setIsolatedEnv(t)
	repo := filepath.Join(work, "tool")
	os.MkdirAll(repo, 0o755)
	git := func(when string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE="+when, "GIT_COMMITTER_DATE="+when)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	commit := func(when, file, content, msg string) string {
		os.MkdirAll(filepath.Dir(filepath.Join(repo, file)), 0o755)
		os.WriteFile(filepath.Join(repo, file), []byte(content), 0o644)
		git(when, "add", "-A")
		git(when, "commit", "-q", "-m", msg)
		return git(when, "rev-parse", "HEAD")
	}
	git("2026-01-01T00:00:00Z", "init", "-q", "-b", "main")
	bond := commit("2026-01-02T00:00:00Z", "ip/iplink_bond.c", "print(\"arp_all_target\");\n", "bond: print arp targets")
	commit("2026-01-03T00:00:00Z", "tc/q_fq.c", "int quantum;\n", "tc: add fq quantum")
	route := commit("2026-01-04T00:00:00Z", "ip/iproute.c", "print_nexthop(nh);\n", "ip route: print nexthops")
	commit("2026-01-05T00:00:00Z", "README", "docs\n", "Update README")
	commit("2026-01-06T00:00:00Z", "ip/iplink_bond.c", "print(\"arp_all_targets\");\n",
		"bond: fix arp_all_targets name in output\n\nThe parameter name lacks its trailing s.\n\nFixes: "+bond[:12]+" (\"bond: print arp targets\")\nSigned-off-by: A <a@b>")
	commit("2026-01-07T00:00:00Z", "ip/iproute.c", "if (nh) print_nexthop(nh);\n",
		"ip route: fix crash printing a route without nexthop\n\nFixes: "+route+" (\"ip route: print nexthops\")")
	commit("2026-01-08T00:00:00Z", "misc/ss.c", "x\n", "ss: fix typo\n\nFixes: 0123456789ab (\"not in this repository\")")

	home := filepath.Join(work, "home")
	out := mustRun(t, "--home", home, "eval", "--repo", repo, "--json")
	var rep evalReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if rep.Cases != 2 {
		t.Fatalf("eval found %d cases, want 2 (a fix naming an unknown commit is not a case)\n%s", rep.Cases, out)
	}
	if rep.All.R1 != 1 || rep.All.MRR != 1 {
		t.Errorf("both causes should rank first on this small history: %+v", rep.All)
	}
	if rep.Older.Cases+rep.Newer.Cases != 2 {
		t.Errorf("halves = %d + %d", rep.Older.Cases, rep.Newer.Cases)
	}
	if len(rep.Ranks) != 2 || rep.Ranks[0].Rank != 1 || rep.Ranks[1].Rank != 1 || len(rep.Ranks[0].ID) != 40 {
		t.Errorf("per-case ranks = %+v, want both fixes (by full sha) at rank 1", rep.Ranks)
	}
	if len(rep.Ablation) != 0 {
		t.Errorf("ablation without --ablate: %+v", rep.Ablation)
	}

	// --ablate ranks again with each part off, in the same run.
	out = mustRun(t, "--home", home, "eval", "--repo", repo, "--json", "--ablate")
	rep = evalReport{}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rep.Ablation) != len(ablations) {
		t.Fatalf("ablation rows = %d, want %d\n%s", len(rep.Ablation), len(ablations), out)
	}
	for i, row := range rep.Ablation {
		if row.Without != ablations[i].name || row.All.Cases != 2 || row.Older.Cases+row.Newer.Cases != 2 {
			t.Errorf("ablation row %d = %+v", i, row)
		}
	}
	text := mustRun(t, "--home", home, "eval", "--repo", repo, "--ablate")
	for _, want := range []string{"(nothing: full score)", "catalogue", "all but lexical"} {
		if !strings.Contains(text, want) {
			t.Errorf("eval --ablate text lacks %q:\n%s", want, text)
		}
	}

	// A repository without such trailers says so, with a hint.
	other := filepath.Join(work, "plain")
	os.MkdirAll(other, 0o755)
	repo = other
	git("2026-01-01T00:00:00Z", "init", "-q", "-b", "main")
	commit("2026-01-02T00:00:00Z", "a", "1\n", "first")
	_, errOut, code := analystRun(t, "", "--home", home, "eval", "--repo", other)
	if code != 1 || !strings.Contains(errOut, "no fixes that name the commit they fix") || !strings.Contains(errOut, "hint: ") {
		t.Errorf("eval without fixes: exit %d\n%s", code, errOut)
	}
}
