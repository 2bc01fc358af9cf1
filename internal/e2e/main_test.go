package e2e

import (
	"os"
	"testing"
)

// TestMain removes the provider binaries the tests shared once they are done.
func TestMain(m *testing.M) {
	code := m.Run()
	RemoveProviderBinary()
	RemovePreviousRelease()
	os.Exit(code)
}
