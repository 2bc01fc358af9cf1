package integration

import (
	"context"
	"sync"
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
