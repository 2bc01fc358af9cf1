//go:build unix

package lifeline

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestWatchCallsGoneOnceWhenTheParentChanges: a re-parented process (its
// parent id changed) calls gone exactly once; while the parent stays,
// nothing happens.
func TestWatchCallsGoneOnceWhenTheParentChanges(t *testing.T) {
	var ppid atomic.Int64
	ppid.Store(4242)
	var calls atomic.Int32
	goneCh := make(chan struct{}, 4)
	stop := watch(time.Millisecond, func() int { return int(ppid.Load()) }, func() { calls.Add(1); goneCh <- struct{}{} })
	defer stop()
	time.Sleep(20 * time.Millisecond)
	if n := calls.Load(); n != 0 {
		t.Fatalf("gone called %d times while the parent was alive", n)
	}
	ppid.Store(1) // re-parented to init
	select {
	case <-goneCh:
	case <-time.After(10 * time.Second):
		t.Fatal("gone was not called after the parent changed")
	}
	time.Sleep(20 * time.Millisecond)
	if n := calls.Load(); n != 1 {
		t.Fatalf("gone called %d times, want 1", n)
	}
}

// TestWatchIgnoresAProcessStartedByInit: with no parent to lose (pid 1),
// nothing is watched.
func TestWatchIgnoresAProcessStartedByInit(t *testing.T) {
	called := make(chan struct{}, 1)
	stop := watch(time.Millisecond, func() int { return 1 }, func() { called <- struct{}{} })
	defer stop()
	select {
	case <-called:
		t.Fatal("gone called for a process started by init")
	case <-time.After(30 * time.Millisecond):
	}
}
