package ollamatest

import "syscall"

// sysProcAttr puts the server in its own process group, so Kill reaches the
// model runners it starts, and kills it if the test process dies first (a
// `go test -timeout` panic runs no cleanups).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
