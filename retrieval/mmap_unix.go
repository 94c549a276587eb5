//go:build unix

package retrieval

import (
	"os"
	"syscall"
)

// mapFile maps a file read-only. The mapping is never unmapped: doc strings,
// terms and vectors handed out by Load point into it, and an index lives as
// long as the process that asks (the file itself is only ever replaced by
// rename, so the mapped copy stays whole).
func mapFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() < headerMin {
		return nil, ErrDamaged
	}
	if int64(int(fi.Size())) != fi.Size() {
		return nil, ErrDamaged
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		// Some file systems cannot map: read it instead.
		return os.ReadFile(path)
	}
	return b, nil
}

func unmap(b []byte) { syscall.Munmap(b) }
