package main

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/NAME, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (run with -update if the change is meant):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// requireTool skips a test when a program is missing, or fails it under
// ANALYST_REQUIRE_TOOLS=1 (CI), where every tool must be installed.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("ANALYST_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s is required (ANALYST_REQUIRE_TOOLS=1) but not installed", name)
		}
		t.Skipf("%s is not installed: skipping (set ANALYST_REQUIRE_TOOLS=1 to fail instead)", name)
	}
	return p
}

// scheduleJobs are the jobs the generators are golden-tested with: a plain
// one, and one whose home needs quoting in every format.
var scheduleJobs = map[string]nightlyJob{
	"plain": {Bin: "/usr/local/bin/analyst", Args: []string{"index"}, Hour: 3, Minute: 30,
		Log: "/home/dana/.local/share/analyst/nightly.log"},
	"quoted": {Bin: "/opt/analyst tools/analyst", Args: []string{"--home", "/srv/journal 50%$x'\"&<", "index", "--enrich"},
		Env: []string{"ANALYST_EMBED_MODEL=nomic-embed-text", "OLLAMA_HOST=127.0.0.1:11500"}, Hour: 22, Minute: 5,
		Log: "/srv/journal 50%$x'\"&</nightly.log"},
}

func TestScheduleGolden(t *testing.T) {
	for name, j := range scheduleJobs {
		golden(t, "schedule/"+name+".service", systemdService(j))
		golden(t, "schedule/"+name+".timer", systemdTimer(j))
		golden(t, "schedule/"+name+".crontab", crontabLine(j)+"\n")
		golden(t, "schedule/"+name+".plist", launchdPlist(j))
	}
}

// The crontab line, run by sh, passes the job's arguments unchanged: the
// quoting survives a home with spaces, quotes, % and $.
func TestScheduleCrontabLineQuoting(t *testing.T) {
	j := scheduleJobs["quoted"]
	dir := t.TempDir()
	args := filepath.Join(dir, "args")
	// A stand-in for the binary that writes its arguments, one a line.
	j.Bin = filepath.Join(dir, "bin dir", "analyst")
	os.MkdirAll(filepath.Dir(j.Bin), 0o755)
	os.WriteFile(j.Bin, []byte("#!/bin/sh\nfor a; do printf '%s\\n' \"$a\"; done >"+shellQuote(args)+"\nprintf '%s\\n' \"$OLLAMA_HOST\" >>"+shellQuote(args)+"\n"), 0o755)
	j.Log = filepath.Join(dir, "log")
	line := crontabLine(j)
	f := strings.SplitN(line, " ", 6)
	// cron unescapes \% and hands the rest to sh.
	cmd := strings.ReplaceAll(f[5], `\%`, "%")
	if out, err := exec.Command("/bin/sh", "-c", cmd).CombinedOutput(); err != nil {
		t.Fatalf("sh -c %q: %v\n%s", cmd, err, out)
	}
	b, err := os.ReadFile(args)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join(append(slices.Clone(j.Args), "127.0.0.1:11500"), "\n") + "\n"
	if string(b) != want {
		t.Errorf("the job got\n%s\nwant\n%s", b, want)
	}
}

func TestScheduleSystemdVerify(t *testing.T) {
	requireTool(t, "systemd-analyze")
	requireTool(t, "systemctl")
	dir := t.TempDir()
	bin := filepath.Join(dir, "analyst")
	os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755)
	for _, name := range []string{"plain", "quoted"} {
		j := scheduleJobs[name]
		j.Bin = bin
		unitDir := filepath.Join(dir, name)
		os.MkdirAll(unitDir, 0o755)
		os.WriteFile(filepath.Join(unitDir, nightlyUnit+".service"), []byte(systemdService(j)), 0o644)
		os.WriteFile(filepath.Join(unitDir, nightlyUnit+".timer"), []byte(systemdTimer(j)), 0o644)
		cmd := exec.Command("systemd-analyze", "verify", "--man=no", filepath.Join(unitDir, nightlyUnit+".service"), filepath.Join(unitDir, nightlyUnit+".timer"))
		cmd.Env = append(os.Environ(), "SYSTEMD_LOG_LEVEL=warning")
		out, err := cmd.CombinedOutput()
		// Lines that name our files are findings about them; the rest is
		// about the host (no running systemd in a container).
		var findings []string
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, nightlyUnit) {
				findings = append(findings, l)
			}
		}
		if len(findings) > 0 || (err != nil && !strings.Contains(string(out), "ailed to")) {
			t.Errorf("systemd-analyze verify (%s): %v\n%s", name, err, out)
		}
	}
}

func TestChooseScheduler(t *testing.T) {
	cases := []struct {
		goos        string
		have        []string
		userSystemd bool
		want        string
	}{
		{"darwin", []string{"crontab"}, false, viaLaunchd},
		{"linux", []string{"systemctl", "crontab"}, true, viaSystemd},
		{"linux", []string{"systemctl", "crontab"}, false, viaCron},
		{"linux", []string{"systemctl"}, false, viaSystemd},
		{"linux", []string{"crontab"}, false, viaCron},
		{"linux", nil, false, ""},
	}
	for _, c := range cases {
		got, err := chooseScheduler(c.goos, func(p string) bool { return slices.Contains(c.have, p) }, func() bool { return c.userSystemd })
		if got != c.want || (c.want == "") != (err != nil) {
			t.Errorf("%s with %v (user systemd %v): %q, %v; want %q", c.goos, c.have, c.userSystemd, got, err, c.want)
		}
	}
}

// fakeBin puts programs (name → sh script body) first on PATH, with sh,
// cat and mkdir reachable, and nothing else: no real crontab or systemctl.
func fakeBin(t *testing.T, scripts map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, tool := range []string{"cat", "printf"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Fatal(err)
		}
		os.Symlink(p, filepath.Join(dir, tool))
	}
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir)
	return dir
}

func TestScheduleCrontab(t *testing.T) {
	if runtime.GOOS == "darwin" {
		t.Skip("macOS schedules with launchd")
	}
	work := setIsolatedEnv(t)
	tab := filepath.Join(work, "crontab.txt")
	os.WriteFile(tab, []byte("MAILTO=dana@shop.example\n0 * * * * /usr/bin/backup --hourly\n"), 0o600)
	fakeBin(t, map[string]string{"crontab": `tab=` + shellQuote(tab) + `
case "$1" in
-l) [ -f "$tab" ] || { echo "no crontab for dana" >&2; exit 1; }; cat "$tab" ;;
-) cat >"$tab" ;;
*) echo "fake crontab: $*" >&2; exit 2 ;;
esac
`})
	home := filepath.Join(work, "my journal")
	t.Setenv("ANALYST_EMBED_MODEL", "fake-embed")
	readTab := func() string { b, _ := os.ReadFile(tab); return string(b) }

	out, errOut, code := analystRun(t, "", "schedule", "remove")
	if code != 0 || !strings.Contains(out, "no nightly job is installed") {
		t.Fatalf("remove with nothing installed: exit %d\n%s%s", code, out, errOut)
	}
	for range 2 { // idempotent
		out, errOut, code = analystRun(t, "", "--home", home, "schedule", "install", "--at", "04:10")
		if code != 0 || !strings.Contains(out, "installed crontab line") {
			t.Fatalf("install: exit %d\n%s%s", code, out, errOut)
		}
	}
	lines := strings.Split(strings.TrimSpace(readTab()), "\n")
	if len(lines) != 3 || lines[0] != "MAILTO=dana@shop.example" || lines[1] != "0 * * * * /usr/bin/backup --hourly" {
		t.Fatalf("crontab after two installs:\n%s", readTab())
	}
	job := lines[2]
	for _, want := range []string{"10 4 * * * ", "ANALYST_EMBED_MODEL=fake-embed", " --home '" + home + "' index", cronMarker} {
		if !strings.Contains(job, want) {
			t.Errorf("job line lacks %q:\n%s", want, job)
		}
	}
	self, _ := os.Executable()
	if !strings.Contains(job, self) && !strings.Contains(job, os.Args[0]) {
		t.Errorf("job line does not run this binary by its absolute path:\n%s", job)
	}

	out, _, code = analystRun(t, "", "--home", home, "schedule", "status")
	if code != 0 || !strings.Contains(out, "crontab line, at 04:10") || !strings.Contains(out, "last ran: not known") {
		t.Errorf("status:\n%s", out)
	}
	os.WriteFile(filepath.Join(home, nightlyLog), []byte("done\n"), 0o600)
	out, _, _ = analystRun(t, "", "--home", home, "schedule", "status")
	if !strings.Contains(out, "last ran: 20") {
		t.Errorf("status after a run:\n%s", out)
	}

	out, errOut, code = analystRun(t, "", "--home", home, "schedule", "remove")
	if code != 0 || !strings.Contains(out, "removed the nightly job (crontab line)") {
		t.Fatalf("remove: exit %d\n%s%s", code, out, errOut)
	}
	if got := readTab(); got != "MAILTO=dana@shop.example\n0 * * * * /usr/bin/backup --hourly\n" {
		t.Errorf("remove touched other lines:\n%s", got)
	}
	out, _, _ = analystRun(t, "", "schedule", "remove")
	if !strings.Contains(out, "nothing to remove") {
		t.Errorf("second remove:\n%s", out)
	}

	_, errOut, code = analystRun(t, "", "schedule", "install", "--at", "25:00")
	if code != 2 || !strings.Contains(errOut, "invalid --at") {
		t.Errorf("bad --at: exit %d\n%s", code, errOut)
	}
}

func TestScheduleSystemd(t *testing.T) {
	if runtime.GOOS == "darwin" {
		t.Skip("macOS schedules with launchd")
	}
	work := setIsolatedEnv(t)
	calls := filepath.Join(work, "systemctl-calls")
	fakeBin(t, map[string]string{"systemctl": `printf '%s\n' "$*" >>` + shellQuote(calls) + "\n"})
	readCalls := func() []string {
		b, _ := os.ReadFile(calls)
		os.Remove(calls)
		return strings.Split(strings.TrimSpace(string(b)), "\n")
	}
	t.Setenv("ANALYST_HOME", filepath.Join(work, "j"))

	out, errOut, code := analystRun(t, "", "schedule", "install")
	if code != 0 || !strings.Contains(out, "installed systemd user timer analyst-nightly.timer: nightly at 03:30") {
		t.Fatalf("install: exit %d\n%s%s", code, out, errOut)
	}
	got := readCalls()
	for _, want := range []string{"--user daemon-reload", "--user enable --now analyst-nightly.timer"} {
		if !slices.Contains(got, want) {
			t.Errorf("systemctl calls %q lack %q", got, want)
		}
	}
	unitDir := filepath.Join(work, ".config", "systemd", "user")
	svc, err := os.ReadFile(filepath.Join(unitDir, "analyst-nightly.service"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(svc), " --home "+filepath.Join(work, "j")+" index\n") {
		t.Errorf("the service does not carry ANALYST_HOME as --home:\n%s", svc)
	}
	if _, err := os.Stat(filepath.Join(unitDir, "analyst-nightly.timer")); err != nil {
		t.Error(err)
	}

	out, _, _ = analystRun(t, "", "schedule", "status")
	if !strings.Contains(out, "systemd user timer, at 03:30") || !strings.Contains(out, "index") {
		t.Errorf("status:\n%s", out)
	}
	readCalls()

	out, errOut, code = analystRun(t, "", "schedule", "remove")
	if code != 0 || !strings.Contains(out, "removed the nightly job (systemd user timer)") {
		t.Fatalf("remove: exit %d\n%s%s", code, out, errOut)
	}
	if !slices.Contains(readCalls(), "--user disable --now analyst-nightly.timer") {
		t.Error("remove did not disable the timer")
	}
	if _, err := os.Stat(filepath.Join(unitDir, "analyst-nightly.service")); !os.IsNotExist(err) {
		t.Errorf("the service is still there: %v", err)
	}
}
