package bench

import (
	"sort"
	"strconv"
	"strings"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox"
)

// Counts summarises the sandbox's statistics for one Terraform command.
type Counts struct {
	// Autotask is every Autotask request (zone lookups included).
	Autotask int
	// Adjustments is how many ContractServiceAdjustments were posted.
	Adjustments int
	// Other is Autotask minus Adjustments.
	Other int
	// Petra is every Petra request; PetraMaxPerRoute the most on one route.
	Petra, PetraMaxPerRoute int
	// MaxInFlight is the most concurrent requests the sandbox saw on one
	// Autotask endpoint; ThreadRejections how many it refused for that.
	MaxInFlight, ThreadRejections int
	// Routes are the per-route counts ("METHOD /path-template").
	Routes map[string]int
}

// CountsFrom reads Counts from the sandbox's statistics.
func CountsFrom(st sandbox.Stats) Counts {
	c := Counts{
		Autotask:         st.Requests["autotask"],
		Petra:            st.Requests["petra"],
		ThreadRejections: st.Autotask.ThreadRejections,
		Routes:           st.Routes,
	}
	for route, n := range st.Routes {
		method, path, _ := strings.Cut(route, " ")
		lp := strings.ToLower(path)
		switch {
		case strings.HasPrefix(lp, "/petra/") || strings.HasPrefix(lp, "/v1/") || strings.HasPrefix(lp, "/beta/"):
			c.PetraMaxPerRoute = max(c.PetraMaxPerRoute, n)
		case method == "POST" && (strings.HasSuffix(lp, "/contractserviceadjustments") || strings.HasSuffix(lp, "/serviceadjustments")):
			c.Adjustments += n
		}
	}
	c.Other = c.Autotask - c.Adjustments
	for _, v := range st.Autotask.MaxInFlight {
		c.MaxInFlight = max(c.MaxInFlight, v)
	}
	return c
}

// AutotaskRoutes lists the Autotask routes with their counts, busiest first,
// for messages that explain a count.
func (c Counts) AutotaskRoutes() string {
	type rc struct {
		route string
		n     int
	}
	var rs []rc
	for r, n := range c.Routes {
		if !strings.Contains(strings.ToLower(r), "/petra/") && !strings.Contains(r, " /v1/") {
			rs = append(rs, rc{r, n})
		}
	}
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].n != rs[j].n {
			return rs[i].n > rs[j].n
		}
		return rs[i].route < rs[j].route
	})
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.route + " ×" + itoa(r.n)
	}
	return strings.Join(parts, ", ")
}

func itoa(n int) string { return strconv.Itoa(n) }
