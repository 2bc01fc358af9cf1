//go:build unix

package claims

import (
	"errors"
	"os"
	"syscall"
)

// registrySupported: the run registry needs advisory file locks that end
// with their process (flock).
const registrySupported = true

var (
	errLocked              = errors.New("locked by another process")
	errRegistryUnsupported = errors.New("the run registry needs file locks")
)

// lockFile takes an exclusive lock on f, waiting for it.
func lockFile(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// tryLockFile takes an exclusive lock on f or returns errLocked at once.
func tryLockFile(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errLocked
	}
	return err
}

func unlockFile(f *os.File) { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
