// Package lifeline ends the provider process when the Terraform process that
// started it is gone. Terraform starts each provider as its own child process
// and stops it when a run ends; when Terraform itself is killed (kill -9, a
// CI job's timeout, an out-of-memory kill) nobody stops the provider, which
// would otherwise go on with what it was doing (a read-back, a batch, the
// next step of an apply) for minutes, sending requests whose results no
// state can record. So the provider watches its parent: once it changes (the
// process was re-parented), Terraform is gone and the provider exits.
package lifeline

import (
	"os"
	"time"
)

// Interval is how often the parent is checked: the longest a provider keeps
// running after Terraform is gone.
const Interval = 200 * time.Millisecond

// Watch calls gone once, on its own goroutine, when the process that started
// this one is gone; stop ends the watch. A process started by init (parent
// pid 1), or on a system where a parent's death cannot be seen this way
// (Windows keeps the original parent id), is not watched.
func Watch(gone func()) (stop func()) {
	return watch(Interval, os.Getppid, gone)
}

func watch(interval time.Duration, getppid func() int, gone func()) (stop func()) {
	parent := getppid()
	if !supported || parent <= 1 {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if getppid() != parent {
					gone()
					return
				}
			}
		}
	}()
	return func() { close(done) }
}
