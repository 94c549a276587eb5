package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

// The nightly job's names: systemd units, the crontab marker, the launchd
// label. Remove and status find the job by them.
const (
	nightlyUnit  = "analyst-nightly"
	cronMarker   = "# analyst-nightly"
	launchdLabel = "dev.analyst.nightly"
	defaultAt    = "03:30"
	nightlyLog   = "nightly.log"
)

// Schedulers the nightly job can be installed with.
const (
	viaSystemd = "systemd"
	viaCron    = "cron"
	viaLaunchd = "launchd"
)

// carriedEnv are the variables the job inherits from the install: without
// them it could index another journal, or embed with another model (which
// re-embeds everything).
var carriedEnv = []string{"ANALYST_EMBED_MODEL", "ANALYST_CHAT_MODEL", "OLLAMA_HOST", "XDG_DATA_HOME", "XDG_CONFIG_HOME"}

func scheduleCommand(env *environment) *cli.Command {
	return &cli.Command{
		Name:  "schedule",
		Usage: "run 'analyst index' every night (systemd user timer, crontab or launchd)",
		Description: `'schedule install' sets up a nightly job that refreshes every repository the
journal knows and embeds what is new ('analyst index', with --enrich when the
config enables enrichment). It uses a systemd user timer where a user systemd
runs, else a crontab line, else (macOS) a launchd agent. The job keeps this
home (--home, ANALYST_HOME), the models and OLLAMA_HOST of the install.
Installing again replaces the job; 'schedule remove' deletes it.

Examples:
  analyst schedule install               every night at 03:30, local time
  analyst schedule install --at 22:15
  analyst --home ~/work-journal schedule install --via cron
  analyst schedule status
  analyst schedule remove`,
		Subcommands: []*cli.Command{
			{
				Name:  "install",
				Usage: "install (or replace) the nightly job",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "at", Usage: "the local time `HH:MM` it runs", Value: defaultAt},
					&cli.StringFlag{Name: "via", Usage: "the scheduler: `systemd`, cron or launchd (default: what the system has)"},
				},
				Action: func(c *cli.Context) error {
					if c.Args().Len() > 0 {
						return usageErr("analyst schedule install --at HH:MM", "schedule install takes no arguments")
					}
					h, m, err := parseClock(c.String("at"))
					if err != nil {
						return err
					}
					via := c.String("via")
					if via != "" && via != viaSystemd && via != viaCron && via != viaLaunchd {
						return usageErr("--via systemd, --via cron or --via launchd", "unknown scheduler %q", via)
					}
					return runScheduleInstall(c.Context, env, h, m, via)
				},
			},
			{
				Name:  "remove",
				Usage: "remove the nightly job",
				Action: func(c *cli.Context) error {
					return runScheduleRemove(c.Context, env)
				},
			},
			{
				Name:  "status",
				Usage: "say whether the nightly job is installed, what it runs and when it last ran",
				Action: func(c *cli.Context) error {
					return runScheduleStatus(c.Context, env)
				},
			},
		},
	}
}

// parseClock reads HH:MM (24-hour).
func parseClock(s string) (hour, minute int, err error) {
	t, perr := time.Parse("15:04", strings.TrimSpace(s))
	if perr != nil {
		return 0, 0, usageErr("give a 24-hour local time, e.g. --at 03:30", "invalid --at %q", s)
	}
	return t.Hour(), t.Minute(), nil
}

// nightlyJob is what the generators render: a plain value, so each format
// is a pure function of it.
type nightlyJob struct {
	Bin    string   // the analyst binary, absolute
	Args   []string // its arguments, e.g. --home DIR index --enrich
	Env    []string // KEY=VALUE, carried from the install
	Hour   int
	Minute int
	Log    string // where cron and launchd keep the last run's output
}

// command is the job's command line for people: shell-quoted where needed.
func (j nightlyJob) command() string {
	parts := []string{shellWord(j.Bin)}
	for _, a := range j.Args {
		parts = append(parts, shellWord(a))
	}
	return strings.Join(parts, " ")
}

// shellWord quotes s for sh when it holds anything but plain characters.
func shellWord(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,+@", r))
	}) < 0 {
		return s
	}
	return shellQuote(s)
}

// newNightlyJob describes the job this environment should install.
func (env *environment) newNightlyJob(hour, minute int) nightlyJob {
	j := nightlyJob{Bin: selfPath(), Hour: hour, Minute: minute, Log: filepath.Join(env.home, nightlyLog)}
	if env.homeGiven {
		j.Args = append(j.Args, "--home", env.home)
	}
	j.Args = append(j.Args, "index")
	if env.config.Enrich {
		j.Args = append(j.Args, "--enrich")
	}
	for _, k := range carriedEnv {
		if env.homeGiven && strings.HasPrefix(k, "XDG_") {
			continue // an explicit home holds its own config
		}
		if v := os.Getenv(k); v != "" {
			j.Env = append(j.Env, k+"="+v)
		}
	}
	return j
}

// systemdWord quotes s for an ExecStart= or Environment= line: specifiers
// (%) and variables ($) are escaped, and words with spaces or quotes are
// double-quoted.
func systemdWord(s string) string {
	s = strings.ReplaceAll(s, "%", "%%")
	s = strings.ReplaceAll(s, "$", "$$")
	if s != "" && !strings.ContainsAny(s, " \t\"'\\;") {
		return s
	}
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	return `"` + s + `"`
}

// systemdService renders the oneshot service the timer starts.
func systemdService(j nightlyJob) string {
	var b strings.Builder
	b.WriteString("# Written by 'analyst schedule install'; 'analyst schedule remove' deletes it.\n")
	b.WriteString("[Unit]\nDescription=analyst: refresh known repositories and embed what is new\n\n")
	b.WriteString("[Service]\nType=oneshot\n")
	for _, kv := range j.Env {
		b.WriteString("Environment=" + systemdWord(kv) + "\n")
	}
	words := []string{systemdWord(j.Bin)}
	for _, a := range j.Args {
		words = append(words, systemdWord(a))
	}
	b.WriteString("ExecStart=" + strings.Join(words, " ") + "\n")
	b.WriteString("Nice=10\nIOSchedulingClass=idle\n")
	return b.String()
}

// systemdTimer renders the timer: daily at the hour, and at the next boot
// when the machine was off at that time (Persistent).
func systemdTimer(j nightlyJob) string {
	return fmt.Sprintf(`# Written by 'analyst schedule install'; 'analyst schedule remove' deletes it.
[Unit]
Description=analyst: nightly refresh at %02d:%02d

[Timer]
OnCalendar=*-*-* %02d:%02d:00
Persistent=true

[Install]
WantedBy=timers.target
`, j.Hour, j.Minute, j.Hour, j.Minute)
}

// crontabLine renders the job as one crontab line ending in the marker that
// remove and status look for. The last run's output replaces the log.
func crontabLine(j nightlyJob) string {
	var parts []string
	for _, kv := range j.Env {
		k, v, _ := strings.Cut(kv, "=")
		parts = append(parts, k+"="+shellWord(v))
	}
	parts = append(parts, j.command(), ">"+shellWord(j.Log), "2>&1")
	// cron turns an unescaped % into a newline.
	cmd := strings.ReplaceAll(strings.Join(parts, " "), "%", `\%`)
	return fmt.Sprintf("%d %d * * * %s %s", j.Minute, j.Hour, cmd, cronMarker)
}

// launchdPlist renders the launchd agent.
func launchdPlist(j nightlyJob) string {
	esc := func(s string) string {
		var b bytes.Buffer
		xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Written by 'analyst schedule install'; 'analyst schedule remove' deletes it. -->
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>` + launchdLabel + `</string>
	<key>ProgramArguments</key>
	<array>
`)
	for _, a := range append([]string{j.Bin}, j.Args...) {
		b.WriteString("\t\t<string>" + esc(a) + "</string>\n")
	}
	b.WriteString("\t</array>\n")
	if len(j.Env) > 0 {
		b.WriteString("\t<key>EnvironmentVariables</key>\n\t<dict>\n")
		for _, kv := range j.Env {
			k, v, _ := strings.Cut(kv, "=")
			b.WriteString("\t\t<key>" + esc(k) + "</key>\n\t\t<string>" + esc(v) + "</string>\n")
		}
		b.WriteString("\t</dict>\n")
	}
	fmt.Fprintf(&b, `	<key>StartCalendarInterval</key>
	<dict>
		<key>Hour</key>
		<integer>%d</integer>
		<key>Minute</key>
		<integer>%d</integer>
	</dict>
	<key>StandardOutPath</key>
	<string>%s</string>
	<key>StandardErrorPath</key>
	<string>%s</string>
	<key>ProcessType</key>
	<string>Background</string>
	<key>LowPriorityIO</key>
	<true/>
</dict>
</plist>
`, j.Hour, j.Minute, esc(j.Log), esc(j.Log))
	return b.String()
}

// systemdUserDir is where systemd looks for a user's own units.
func systemdUserDir() string {
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "systemd", "user")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".config", "systemd", "user")
}

func launchdPlistPath() string {
	home, _ := os.UserHomeDir()
	return filepath.Join(home, "Library", "LaunchAgents", launchdLabel+".plist")
}

// chooseScheduler picks the scheduler the system has: launchd on macOS; a
// systemd user timer where a user systemd answers; else cron when crontab
// exists; else systemd unit files to enable by hand when systemctl exists.
func chooseScheduler(goos string, has func(string) bool, userSystemd func() bool) (string, error) {
	switch {
	case goos == "darwin":
		return viaLaunchd, nil
	case has("systemctl") && userSystemd():
		return viaSystemd, nil
	case has("crontab"):
		return viaCron, nil
	case has("systemctl"):
		return viaSystemd, nil
	}
	return "", failErr(nil, "install cron (or run 'analyst index' from your own scheduler)",
		"found no scheduler: no user systemd, no crontab")
}

func hasProgram(name string) bool { _, err := exec.LookPath(name); return err == nil }

// userSystemdReachable reports whether a systemd user manager answers.
func userSystemdReachable(ctx context.Context) bool {
	return exec.CommandContext(ctx, "systemctl", "--user", "show-environment").Run() == nil
}

// scheduleState is what is installed.
type scheduleState struct {
	Via     string    `json:"via"`   // viaSystemd, viaCron, viaLaunchd; "" when nothing is
	Where   string    `json:"where"` // the files, or "crontab"
	Runs    string    `json:"runs"`  // the command line
	At      string    `json:"at"`    // HH:MM local time
	LastRun time.Time `json:"last_run"`
}

// findSchedule looks for the nightly job with each scheduler.
func findSchedule(ctx context.Context, env *environment) (scheduleState, error) {
	dir := systemdUserDir()
	if b, err := os.ReadFile(filepath.Join(dir, nightlyUnit+".timer")); err == nil {
		st := scheduleState{Via: viaSystemd, Where: filepath.Join(dir, nightlyUnit+".{service,timer}")}
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "OnCalendar=*-*-* "); ok && len(v) >= 5 {
				st.At = v[:5]
			}
		}
		if s, err := os.ReadFile(filepath.Join(dir, nightlyUnit+".service")); err == nil {
			for _, l := range strings.Split(string(s), "\n") {
				if v, ok := strings.CutPrefix(l, "ExecStart="); ok {
					st.Runs = v
				}
			}
		}
		out, err := exec.CommandContext(ctx, "systemctl", "--user", "show", nightlyUnit+".service",
			"--property=ExecMainExitTimestamp", "--value").Output()
		if err == nil {
			if t, err := time.Parse("Mon 2006-01-02 15:04:05 MST", strings.TrimSpace(string(out))); err == nil {
				st.LastRun = t
			}
		}
		return st, nil
	}
	if runtime.GOOS == "darwin" {
		if b, err := os.ReadFile(launchdPlistPath()); err == nil {
			st := scheduleState{Via: viaLaunchd, Where: launchdPlistPath(), LastRun: logTime(env)}
			if i := strings.Index(string(b), "<key>Hour</key>"); i >= 0 {
				var h, m int
				fmt.Sscanf(strings.Join(strings.Fields(string(b)[i:]), ""), "<key>Hour</key><integer>%d</integer><key>Minute</key><integer>%d", &h, &m)
				st.At = fmt.Sprintf("%02d:%02d", h, m)
			}
			return st, nil
		}
	}
	if hasProgram("crontab") {
		lines, err := readCrontab(ctx)
		if err != nil {
			return scheduleState{}, err
		}
		for _, l := range lines {
			if !strings.HasSuffix(l, cronMarker) {
				continue
			}
			st := scheduleState{Via: viaCron, Where: "crontab", LastRun: logTime(env)}
			f := strings.Fields(l)
			if len(f) > 6 {
				m, _ := strconv.Atoi(f[0])
				h, _ := strconv.Atoi(f[1])
				st.At = fmt.Sprintf("%02d:%02d", h, m)
				st.Runs = strings.TrimSpace(strings.TrimSuffix(strings.Join(f[5:], " "), cronMarker))
			}
			return st, nil
		}
	}
	return scheduleState{}, nil
}

// logTime is when the nightly log was last written: the last run's end,
// for cron and launchd.
func logTime(env *environment) time.Time {
	if fi, err := os.Stat(filepath.Join(env.home, nightlyLog)); err == nil {
		return fi.ModTime().UTC().Truncate(time.Second)
	}
	return time.Time{}
}

// readCrontab returns the user's crontab lines; none when there is no
// crontab yet.
func readCrontab(ctx context.Context) ([]string, error) {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "crontab", "-l")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if strings.Contains(strings.ToLower(stderr.String()), "no crontab") {
			return nil, nil
		}
		return nil, failErr(err, "", "reading the crontab: %v %s", err, strings.TrimSpace(stderr.String()))
	}
	text := strings.TrimRight(string(out), "\n")
	if text == "" {
		return nil, nil
	}
	return strings.Split(text, "\n"), nil
}

func writeCrontab(ctx context.Context, lines []string) error {
	text := strings.Join(lines, "\n")
	if text != "" {
		text += "\n"
	}
	cmd := exec.CommandContext(ctx, "crontab", "-")
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		return failErr(err, "", "writing the crontab: %v %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

func runScheduleInstall(ctx context.Context, env *environment, hour, minute int, via string) error {
	if err := os.MkdirAll(env.home, 0o700); err != nil {
		return failErr(err, "check that the directory is writable, or pass --home DIR", "cannot create home %s: %v", env.home, err)
	}
	old, err := findSchedule(ctx, env)
	if err != nil {
		return err
	}
	if via == "" {
		via = old.Via // replace it where it is
	}
	if via == "" {
		if via, err = chooseScheduler(runtime.GOOS, hasProgram, func() bool { return userSystemdReachable(ctx) }); err != nil {
			return err
		}
	}
	if old.Via != "" && old.Via != via {
		if err := removeSchedule(ctx, env, old); err != nil {
			return err
		}
	}
	j := env.newNightlyJob(hour, minute)
	if strings.Contains(j.Bin, "go-build") {
		env.warnf("%s is a temporary build: the job fails once it is gone", j.Bin)
		env.hintf("install analyst (go install ./cmd/analyst) and run 'analyst schedule install' again")
	}
	switch via {
	case viaSystemd:
		return installSystemd(ctx, env, j)
	case viaCron:
		return installCron(ctx, env, j)
	default:
		return installLaunchd(ctx, env, j)
	}
}

func installSystemd(ctx context.Context, env *environment, j nightlyJob) error {
	dir := systemdUserDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return failErr(err, "", "creating %s: %v", dir, err)
	}
	for name, text := range map[string]string{nightlyUnit + ".service": systemdService(j), nightlyUnit + ".timer": systemdTimer(j)} {
		if err := writeFileAtomic(filepath.Join(dir, name), text, 0o644); err != nil {
			return failErr(err, "", "writing %s: %v", name, err)
		}
	}
	at := fmt.Sprintf("%02d:%02d", j.Hour, j.Minute)
	steps := [][]string{{"--user", "daemon-reload"}, {"--user", "enable", "--now", nightlyUnit + ".timer"}}
	if !hasProgram("systemctl") || !userSystemdReachable(ctx) {
		fmt.Fprintf(env.stdout, "wrote %s/%s.{service,timer} (nightly at %s); no user systemd answers now\n", dir, nightlyUnit, at)
		env.hintf("in a login session, run: systemctl --user daemon-reload && systemctl --user enable --now %s.timer", nightlyUnit)
		return nil
	}
	for _, s := range steps {
		if out, err := exec.CommandContext(ctx, "systemctl", s...).CombinedOutput(); err != nil {
			return failErr(err, "run: systemctl "+strings.Join(s, " "), "systemctl %s: %v %s", strings.Join(s, " "), err, strings.TrimSpace(string(out)))
		}
	}
	fmt.Fprintf(env.stdout, "installed systemd user timer %s.timer: nightly at %s, runs %s\n", nightlyUnit, at, j.command())
	env.hintf("its runs are logged: journalctl --user -u %s", nightlyUnit)
	return nil
}

func installCron(ctx context.Context, env *environment, j nightlyJob) error {
	lines, err := readCrontab(ctx)
	if err != nil {
		return err
	}
	lines = slices.DeleteFunc(lines, func(l string) bool { return strings.HasSuffix(l, cronMarker) })
	lines = append(lines, crontabLine(j))
	if err := writeCrontab(ctx, lines); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "installed crontab line: nightly at %02d:%02d, runs %s\n", j.Hour, j.Minute, j.command())
	env.hintf("the last run's output is kept in %s", j.Log)
	return nil
}

func installLaunchd(ctx context.Context, env *environment, j nightlyJob) error {
	path := launchdPlistPath()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return failErr(err, "", "creating %s: %v", filepath.Dir(path), err)
	}
	if err := writeFileAtomic(path, launchdPlist(j), 0o644); err != nil {
		return failErr(err, "", "writing %s: %v", path, err)
	}
	domain := "gui/" + strconv.Itoa(os.Getuid())
	exec.CommandContext(ctx, "launchctl", "bootout", domain, path).Run() // an older copy, if loaded
	if out, err := exec.CommandContext(ctx, "launchctl", "bootstrap", domain, path).CombinedOutput(); err != nil {
		fmt.Fprintf(env.stdout, "wrote %s; launchctl could not load it: %s\n", path, strings.TrimSpace(string(out)))
		env.hintf("run: launchctl bootstrap %s %s", domain, path)
		return nil
	}
	fmt.Fprintf(env.stdout, "installed launchd agent %s: nightly at %02d:%02d, runs %s\n", launchdLabel, j.Hour, j.Minute, j.command())
	return nil
}

func writeFileAtomic(path, text string, perm os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), perm); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func runScheduleRemove(ctx context.Context, env *environment) error {
	st, err := findSchedule(ctx, env)
	if err != nil {
		return err
	}
	if st.Via == "" {
		fmt.Fprintln(env.stdout, "no nightly job is installed: nothing to remove")
		return nil
	}
	if err := removeSchedule(ctx, env, st); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "removed the nightly job (%s)\n", describeVia(st.Via))
	return nil
}

// removeSchedule deletes an installed job.
func removeSchedule(ctx context.Context, env *environment, st scheduleState) error {
	switch st.Via {
	case viaSystemd:
		if hasProgram("systemctl") && userSystemdReachable(ctx) {
			exec.CommandContext(ctx, "systemctl", "--user", "disable", "--now", nightlyUnit+".timer").Run()
		}
		dir := systemdUserDir()
		for _, name := range []string{nightlyUnit + ".timer", nightlyUnit + ".service"} {
			if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return failErr(err, "", "removing %s: %v", name, err)
			}
		}
		if hasProgram("systemctl") && userSystemdReachable(ctx) {
			exec.CommandContext(ctx, "systemctl", "--user", "daemon-reload").Run()
		}
	case viaCron:
		lines, err := readCrontab(ctx)
		if err != nil {
			return err
		}
		lines = slices.DeleteFunc(lines, func(l string) bool { return strings.HasSuffix(l, cronMarker) })
		return writeCrontab(ctx, lines)
	case viaLaunchd:
		path := launchdPlistPath()
		exec.CommandContext(ctx, "launchctl", "bootout", "gui/"+strconv.Itoa(os.Getuid()), path).Run()
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return failErr(err, "", "removing %s: %v", path, err)
		}
	}
	return nil
}

func describeVia(via string) string {
	switch via {
	case viaSystemd:
		return "systemd user timer"
	case viaCron:
		return "crontab line"
	case viaLaunchd:
		return "launchd agent"
	}
	return "none"
}

func runScheduleStatus(ctx context.Context, env *environment) error {
	st, err := findSchedule(ctx, env)
	if err != nil {
		return err
	}
	if st.Via == "" {
		fmt.Fprintln(env.stdout, "no nightly job is installed")
		env.hintf("analyst schedule install")
		return nil
	}
	fmt.Fprintf(env.stdout, "nightly job: %s, at %s local time\n", describeVia(st.Via), st.At)
	fmt.Fprintf(env.stdout, "runs: %s\n", st.Runs)
	fmt.Fprintf(env.stdout, "in: %s\n", st.Where)
	if st.LastRun.IsZero() {
		fmt.Fprintln(env.stdout, "last ran: not known (not yet, or not recorded)")
	} else {
		fmt.Fprintf(env.stdout, "last ran: %s\n", st.LastRun.UTC().Format(time.RFC3339))
	}
	return nil
}
