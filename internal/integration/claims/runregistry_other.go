//go:build !unix

package claims

import (
	"errors"
	"os"
)

// registrySupported: without flock the run registry is off; the claims in
// Autotask still stop a second push at apply (DESIGN.md).
const registrySupported = false

var (
	errLocked              = errors.New("locked by another process")
	errRegistryUnsupported = errors.New("the run registry is not supported on this system")
)

func lockFile(*os.File) error    { return errRegistryUnsupported }
func tryLockFile(*os.File) error { return errRegistryUnsupported }
func unlockFile(*os.File)        {}
