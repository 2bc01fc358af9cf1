package run

import (
	"context"
	"sync"
	"time"
)

// memo holds one lazily computed value for the lifetime of a provider run.
// Concurrent callers wait on the single load in progress instead of issuing
// their own request; a failed load is not cached, so the next caller retries.
type memo[T any] struct {
	mu      sync.Mutex
	done    bool
	value   T
	loading chan struct{}
	err     error
	// sticky is a persistent failure kept for the run (failures.go).
	sticky error
}

func (m *memo[T]) stickyErr() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sticky
}

func (m *memo[T]) setSticky(err error) {
	m.mu.Lock()
	m.sticky = err
	m.mu.Unlock()
}

// get returns the cached value, or runs load once for all concurrent callers.
func (m *memo[T]) get(ctx context.Context, load func(context.Context) (T, error)) (T, error) {
	for {
		m.mu.Lock()
		if m.done {
			v := m.value
			m.mu.Unlock()
			return v, nil
		}
		if ch := m.loading; ch != nil {
			m.mu.Unlock()
			select {
			case <-ch:
				m.mu.Lock()
				if m.done {
					v := m.value
					m.mu.Unlock()
					return v, nil
				}
				err := m.err
				m.mu.Unlock()
				if err != nil && ctx.Err() == nil {
					// The loader failed; its error belongs to every waiter of
					// that attempt.
					var zero T
					return zero, err
				}
				continue
			case <-ctx.Done():
				var zero T
				return zero, ctx.Err()
			}
		}
		ch := make(chan struct{})
		m.loading = ch
		m.err = nil
		m.mu.Unlock()

		v, err := load(ctx)

		m.mu.Lock()
		if err == nil {
			m.value, m.done = v, true
		}
		m.err = err
		m.loading = nil
		close(ch)
		m.mu.Unlock()
		if err != nil {
			var zero T
			return zero, err
		}
		return v, nil
	}
}

// Batcher gathers keys asked for by concurrent callers during a short window
// and loads them with one call (one `in` query), so that Terraform's
// parallel ModifyPlan/Read/Create calls share requests. Each caller gets the
// value for its key; a key the load does not return yields ok == false.
//
// With share set, a caller whose key is already in a batch being loaded
// waits for that load. Without it, a caller always joins a batch that has
// not been sent yet, so the answer is read after the call began (what
// read-your-writes reads need). The Batcher caches nothing itself.
type Batcher[K comparable, V any] struct {
	window time.Duration
	share  bool
	load   func(context.Context, []K) (map[K]V, error)

	mu       sync.Mutex
	open     *batch[K, V]
	inFlight map[K]*batch[K, V]
}

type batch[K comparable, V any] struct {
	keys []K
	has  map[K]bool
	done chan struct{}
	vals map[K]V
	err  error
}

func NewBatcher[K comparable, V any](window time.Duration, share bool, load func(context.Context, []K) (map[K]V, error)) *Batcher[K, V] {
	return &Batcher[K, V]{window: window, share: share, load: load, inFlight: map[K]*batch[K, V]{}}
}

// Get returns the value for key from the batch it joins.
func (b *Batcher[K, V]) Get(ctx context.Context, key K) (v V, ok bool, err error) {
	bts := b.join(ctx, key)
	if err := wait(ctx, bts); err != nil {
		return v, false, err
	}
	v, ok = bts[0].vals[key]
	return v, ok, nil
}

// GetAll loads keys (in as few batches as the ones in flight allow) and
// returns the first error.
func (b *Batcher[K, V]) GetAll(ctx context.Context, keys []K) error {
	return wait(ctx, b.join(ctx, keys...))
}

// join adds keys to the open batch (or, with share, to the batch loading
// them) and returns the batches to wait for, one per key.
func (b *Batcher[K, V]) join(ctx context.Context, keys ...K) []*batch[K, V] {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]*batch[K, V], len(keys))
	for i, key := range keys {
		bt := b.inFlight[key]
		if bt == nil || !b.share {
			bt = b.open
			if bt == nil {
				bt = &batch[K, V]{has: map[K]bool{}, done: make(chan struct{})}
				b.open = bt
				// The batch outlives any one caller's cancellation: its
				// result belongs to every waiter.
				loadCtx := context.WithoutCancel(ctx)
				time.AfterFunc(b.window, func() { b.flush(loadCtx, bt) })
			}
			if !bt.has[key] {
				bt.has[key] = true
				bt.keys = append(bt.keys, key)
			}
		}
		out[i] = bt
	}
	return out
}

// wait waits for every batch and returns the first error.
func wait[K comparable, V any](ctx context.Context, bts []*batch[K, V]) error {
	for _, bt := range bts {
		select {
		case <-bt.done:
			if bt.err != nil {
				return bt.err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (b *Batcher[K, V]) flush(ctx context.Context, bt *batch[K, V]) {
	b.mu.Lock()
	if b.open == bt {
		b.open = nil
	}
	for _, k := range bt.keys {
		b.inFlight[k] = bt
	}
	b.mu.Unlock()
	vals, err := b.load(ctx, bt.keys)
	b.mu.Lock()
	for _, k := range bt.keys {
		if b.inFlight[k] == bt {
			delete(b.inFlight, k)
		}
	}
	b.mu.Unlock()
	bt.vals, bt.err = vals, err
	close(bt.done)
}
