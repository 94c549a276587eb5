//go:build unix

package main

import "syscall"

// detached starts a child in a session of its own: it outlives its parent
// and the terminal's signals meant for the parent's job (Ctrl-C) miss it.
func detached() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
