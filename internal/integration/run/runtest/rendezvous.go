package runtest

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Rendezvous holds requests to the routes of a group until a request to
// every other route of the group has arrived. Reads that are sent one after
// another can never meet: the first waits for a request its caller sends
// only after it is answered, until the (long) fallback releases it and the
// test fails. Reads sent together meet at once. So the test proves the
// overlap by the order of arrival, not by how long anything took.
type Rendezvous struct {
	groups [][]string // route suffixes, lower case, e.g. "/contractservices/query"
	wait   time.Duration

	mu      sync.Mutex
	arrived map[string]chan struct{}
	missed  []string
}

// NewRendezvous holds the routes of each group (route suffixes, lower case).
func NewRendezvous(groups ...[]string) *Rendezvous {
	rv := &Rendezvous{groups: groups, wait: 15 * time.Second, arrived: map[string]chan struct{}{}}
	for _, g := range groups {
		for _, r := range g {
			rv.arrived[r] = make(chan struct{})
		}
	}
	return rv
}

// Wrap serves next behind the rendezvous.
func (rv *Rendezvous) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := strings.ToLower(r.URL.Path)
		for _, g := range rv.groups {
			for _, route := range g {
				if !strings.HasSuffix(path, route) {
					continue
				}
				rv.mu.Lock()
				ch := rv.arrived[route]
				select {
				case <-ch:
				default:
					close(ch)
				}
				rv.mu.Unlock()
				for _, other := range g {
					if other == route {
						continue
					}
					select {
					case <-rv.arrived[other]:
					case <-time.After(rv.wait):
						rv.mu.Lock()
						rv.missed = append(rv.missed, fmt.Sprintf("%s was answered before any %s request arrived", route, other))
						rv.mu.Unlock()
					}
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// Problems lists the routes answered before their group met.
func (rv *Rendezvous) Problems() []string {
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return append([]string(nil), rv.missed...)
}
