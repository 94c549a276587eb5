package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The incident an editor sends: the symptom, then text that would run
// commands if a shell ever parsed the selection.
const editorIncident = "API returns None after save\n" +
	"$(touch PWNED1) `touch PWNED2` '; touch PWNED3; ' \"; touch PWNED4; \"\n"

// The answer ranks this commit of buildSmallRepo first.
var firstSuspect = regexp.MustCompile(`(?m)^ 1\. Speed up order writes$`)

// editorHome builds the real binary, an isolated environment whose PATH
// finds it, and a home holding the indexed small repository. It returns the
// working directory, where nothing may appear but what the test made.
func editorHome(t *testing.T) string {
	t.Helper()
	binDir, _ := buildAnalyst(t)
	work := setIsolatedEnv(t)
	home := filepath.Join(work, "home")
	repo := buildSmallRepo(t, work)
	mustRun(t, "--home", home, "index", "--no-ollama", "--repo", repo)
	t.Setenv("ANALYST_HOME", home)
	t.Setenv("PATH", binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return work
}

// checkAnswer asserts that the answer ranks the cause first, and that
// nothing in the selection ran (no PWNED file anywhere under work).
func checkAnswer(t *testing.T, editor, answer, work string) {
	t.Helper()
	if !firstSuspect.MatchString(answer) {
		t.Errorf("%s: the answer does not rank \"Speed up order writes\" first:\n%s", editor, answer)
	}
	filepath.WalkDir(work, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), "PWNED") {
			t.Errorf("%s executed text from the selection: %s exists", editor, p)
		}
		return nil
	})
}

func TestEditorNeovim(t *testing.T) {
	nvim := requireTool(t, "nvim")
	plugin, _ := filepath.Abs("../../editors/nvim/analyst.lua")
	work := editorHome(t)
	incident := filepath.Join(work, "incident.txt")
	os.WriteFile(incident, []byte("unrelated first line\n"+editorIncident+"unrelated last line\n"), 0o644)
	answer := filepath.Join(work, "answer.txt")
	// Lines 2-3 are the selection, as :'<,'> gives them.
	cmd := exec.Command(nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n",
		"-c", "source "+plugin,
		"-c", "edit "+incident,
		"-c", "2,3AnalystAsk",
		"-c", "lua vim.wait(60000, function() return vim.b.analyst_done end, 20)",
		"-c", "lua vim.fn.writefile(vim.api.nvim_buf_get_lines(0, 0, -1, false), '"+answer+"')",
		"-c", "lua vim.fn.writefile({tostring(vim.b.analyst_exit), tostring(#vim.api.nvim_list_wins())}, '"+answer+".meta')",
		"-c", "qa!")
	cmd.Dir = work
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nvim: %v\n%s", err, out)
	}
	b, err := os.ReadFile(answer)
	if err != nil {
		t.Fatal(err)
	}
	checkAnswer(t, "Neovim", string(b), work)
	if !strings.Contains(string(b), `Suspects for "API returns None after save $(touch PWNED1)`) || strings.Contains(string(b), "unrelated") {
		t.Errorf("Neovim sent other lines than the range:\n%s", b)
	}
	meta, _ := os.ReadFile(answer + ".meta")
	if string(meta) != "0\n2\n" {
		t.Errorf("exit status and windows: %q, want 0 and a split (2 windows)", meta)
	}
}

func TestEditorEmacs(t *testing.T) {
	emacs := requireTool(t, "emacs")
	lib, _ := filepath.Abs("../../editors/emacs/analyst.el")
	work := editorHome(t)
	incident := filepath.Join(work, "incident.txt")
	os.WriteFile(incident, []byte(editorIncident), 0o644)
	answer := filepath.Join(work, "answer.txt")
	// The command returns at once; the test waits for the answer as Emacs
	// would go on running (at most a minute).
	cmd := exec.Command(emacs, "--batch", "-Q", "-l", lib, "--eval", `(progn
  (find-file `+elispString(incident)+`)
  (let ((proc (analyst-ask-region (point-min) (point-max)))
        (deadline (+ (float-time) 60)))
    (unless (processp proc) (error "analyst-ask-region returned %S, not its process" proc))
    (while (and (not (buffer-local-value 'analyst--done (get-buffer "*analyst*")))
                (< (float-time) deadline))
      (accept-process-output nil 0.05)))
  (with-current-buffer "*analyst*"
    (unless analyst--done (error "analyst did not finish"))
    (unless (eq major-mode 'special-mode) (error "the answer buffer is in %s" major-mode))
    (write-region nil nil `+elispString(answer)+`)))`)
	cmd.Dir = work
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("emacs: %v\n%s", err, out)
	}
	b, err := os.ReadFile(answer)
	if err != nil {
		t.Fatal(err)
	}
	checkAnswer(t, "Emacs", string(b), work)
	if strings.Contains(string(b), "exited with status") {
		t.Errorf("analyst failed under Emacs:\n%s", b)
	}
}

func elispString(s string) string {
	b, _ := json.Marshal(s) // a JSON string of a plain path reads as an Emacs string
	return string(b)
}

// The VS Code task, run as VS Code runs a shell task: ${selectedText}
// substituted (here into the environment, where the task puts it), the
// command given to a shell.
func TestEditorVSCodeTask(t *testing.T) {
	sh := requireTool(t, "sh")
	b, err := os.ReadFile("../../editors/vscode/tasks.json")
	work := editorHome(t)
	if err != nil {
		t.Fatal(err)
	}
	var tasks struct {
		Version string `json:"version"`
		Tasks   []struct {
			Label   string `json:"label"`
			Type    string `json:"type"`
			Command string `json:"command"`
			Args    []string
			Options struct {
				Env map[string]string `json:"env"`
			} `json:"options"`
		} `json:"tasks"`
	}
	if err := json.Unmarshal(b, &tasks); err != nil {
		t.Fatalf("tasks.json: %v", err)
	}
	if tasks.Version != "2.0.0" || len(tasks.Tasks) != 1 {
		t.Fatalf("tasks.json: version %q, %d tasks", tasks.Version, len(tasks.Tasks))
	}
	task := tasks.Tasks[0]
	if task.Type != "shell" || strings.Contains(task.Command, "${selectedText}") || len(task.Args) > 0 {
		t.Fatalf("the task must not put the selection on the command line: %+v", task)
	}
	for _, selection := range []string{editorIncident, "API returns None after save", "'\"$(touch PWNED5)\"'\nAPI returns None after save"} {
		cmd := exec.Command(sh, "-c", task.Command)
		cmd.Dir = work
		cmd.Env = os.Environ()
		for k, v := range task.Options.Env {
			cmd.Env = append(cmd.Env, k+"="+strings.ReplaceAll(v, "${selectedText}", selection))
		}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("the task's command: %v\n%s", err, out)
		}
		checkAnswer(t, "the VS Code task", string(out), work)
		header, _, _ := strings.Cut(string(out), "\n")
		if !strings.Contains(header, "API returns None after save") ||
			strings.Contains(selection, "$(touch") != strings.Contains(header, "$(touch PWNED") {
			t.Errorf("the selection did not reach analyst:\n%s", out)
		}
	}
}
