//go:build unix && !linux

package ollamatest

import "syscall"

// sysProcAttr puts the server in its own process group, so Kill reaches the
// model runners it starts.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
