package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// buildAnalyst builds the real analyst binary into a temporary directory and
// returns that directory (for PATH) and the binary's path.
func buildAnalyst(t *testing.T) (dir, bin string) {
	t.Helper()
	dir = t.TempDir()
	bin = filepath.Join(dir, "analyst")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir, bin
}

func TestCompletionBash(t *testing.T) {
	bash := requireTool(t, "bash")
	binDir, _ := buildAnalyst(t)
	work := setIsolatedEnv(t)
	t.Setenv("PATH", binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	script := filepath.Join(work, "analyst.bash")
	os.WriteFile(script, []byte(mustRun(t, "completion", "bash")), 0o644)
	complete := func(words ...string) []string {
		t.Helper()
		// The completion function, called as bash calls it on <TAB>.
		prog := `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _analyst_complete; printf '%s\n' "${COMPREPLY[@]}"`
		out, err := exec.Command(bash, append([]string{"-c", prog, "bash", script}, words...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		return strings.Fields(string(out))
	}
	if got := complete("analyst", "as"); !slices.Equal(got, []string{"ask"}) {
		t.Errorf("analyst as<TAB> offers %q, want [ask]", got)
	}
	if got := complete("analyst", ""); !slices.Contains(got, "doctor") || !slices.Contains(got, "schedule") || slices.Contains(got, "run") {
		t.Errorf("analyst <TAB> offers %q", got)
	}
	if got := complete("analyst", "schedule", "ins"); !slices.Equal(got, []string{"install"}) {
		t.Errorf("analyst schedule ins<TAB> offers %q, want [install]", got)
	}
	if got := complete("analyst", "ask", "--js"); !slices.Equal(got, []string{"--json"}) {
		t.Errorf("analyst ask --js<TAB> offers %q, want [--json]", got)
	}
}

func TestCompletionFishAndZshParse(t *testing.T) {
	setIsolatedEnv(t)
	// fish lists the commands; zsh asks the binary, as bash does.
	for shell, want := range map[string]string{"fish": "-a 'schedule'", "zsh": "compdef _analyst analyst"} {
		t.Run(shell, func(t *testing.T) {
			sh := requireTool(t, shell)
			script := mustRun(t, "completion", shell)
			if !strings.Contains(script, want) {
				t.Errorf("the %s script lacks the commands:\n%s", shell, script)
			}
			path := filepath.Join(t.TempDir(), "analyst."+shell)
			os.WriteFile(path, []byte(script), 0o644)
			if out, err := exec.Command(sh, "-n", path).CombinedOutput(); err != nil {
				t.Errorf("%s -n: %v\n%s", shell, err, out)
			}
		})
	}
	_, errOut, code := analystRun(t, "", "completion", "powershell")
	if code != 2 || !strings.Contains(errOut, `no completion for shell "powershell"`) {
		t.Errorf("unknown shell: exit %d\n%s", code, errOut)
	}
}
