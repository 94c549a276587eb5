//go:build !unix

package ollamatest

import (
	"os"
	"syscall"
)

func sysProcAttr() *syscall.SysProcAttr { return nil }

// killGroup kills p; its runners may outlive it on this platform.
func killGroup(p *os.Process) { p.Kill() }

// terminate kills p: there is no polite request on this platform.
func terminate(p *os.Process) { p.Kill() }
