//go:build unix

package ollamatest

import (
	"os"
	"syscall"
)

// killGroup kills the process group led by p: the server and the runners it
// started, none of which outlive it on purpose.
func killGroup(p *os.Process) {
	if err := syscall.Kill(-p.Pid, syscall.SIGKILL); err != nil {
		p.Kill()
	}
}

// terminate asks p to shut down.
func terminate(p *os.Process) { p.Signal(syscall.SIGTERM) }
