package run

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestBatcherSharesOneLoadAmongConcurrentCallers(t *testing.T) {
	t.Parallel()
	var loads atomic.Int32
	var got [][]int
	var mu sync.Mutex
	b := NewBatcher(20*time.Millisecond, true, func(_ context.Context, keys []int) (map[int]string, error) {
		loads.Add(1)
		mu.Lock()
		got = append(got, append([]int(nil), keys...))
		mu.Unlock()
		out := map[int]string{}
		for _, k := range keys {
			if k != 3 { // 3 does not exist
				out[k] = "v"
			}
		}
		return out, nil
	})
	var wg sync.WaitGroup
	oks := make([]bool, 6)
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, ok, err := b.Get(context.Background(), i%4) // keys 0..3, two asked twice
			if err != nil {
				t.Error(err)
			}
			oks[i] = ok
		}()
	}
	wg.Wait()
	if n := loads.Load(); n != 1 {
		t.Fatalf("%d loads for 6 concurrent callers, want 1 (keys %v)", n, got)
	}
	if len(got[0]) != 4 {
		t.Fatalf("the batch asked for %v, want each of the 4 keys once", got[0])
	}
	for i, ok := range oks {
		if want := i%4 != 3; ok != want {
			t.Errorf("caller %d (key %d): ok = %v, want %v", i, i%4, ok, want)
		}
	}
}

func TestBatcherWithoutShareNeverJoinsASentBatch(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	started := make(chan struct{}, 2)
	var loads atomic.Int32
	b := NewBatcher(time.Millisecond, false, func(_ context.Context, keys []int) (map[int]int, error) {
		n := loads.Add(1)
		started <- struct{}{}
		if n == 1 {
			<-release // the first batch is on the wire
		}
		return map[int]int{keys[0]: int(n)}, nil
	})
	var first int
	done := make(chan struct{})
	go func() {
		defer close(done)
		first, _, _ = b.Get(context.Background(), 7)
	}()
	<-started
	// Asked while the first query is in flight: it must get a query of its
	// own, sent after it asked (what reads after a write need).
	second, _, err := b.Get(context.Background(), 7)
	close(release)
	<-done
	if err != nil || first != 1 || second != 2 || loads.Load() != 2 {
		t.Fatalf("first = %d, second = %d, loads = %d, err = %v; want 1, 2, 2", first, second, loads.Load(), err)
	}
}

func TestBatcherErrorReachesEveryWaiterAndIsNotKept(t *testing.T) {
	t.Parallel()
	var loads atomic.Int32
	boom := errors.New("boom")
	b := NewBatcher(5*time.Millisecond, true, func(_ context.Context, keys []int) (map[int]int, error) {
		if loads.Add(1) == 1 {
			return nil, boom
		}
		return map[int]int{keys[0]: 1}, nil
	})
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := b.Get(context.Background(), 1); !errors.Is(err, boom) {
				t.Errorf("err = %v, want the load's error", err)
			}
		}()
	}
	wg.Wait()
	if v, ok, err := b.Get(context.Background(), 1); err != nil || !ok || v != 1 {
		t.Fatalf("after a failed batch: %v, %v, %v; want a new load", v, ok, err)
	}
}
