package bench

import (
	"fmt"
	"strings"
	"time"
)

// hourlyBudget is Autotask's request threshold per rolling hour for the whole
// database (ref §6), shared by every integration.
const hourlyBudget = 10000

// latencyRuns returns this commit's (provider "") or the baseline's latency
// measurements, in phase order.
func latencyRuns(ms []Measurement, provider string) []Measurement {
	var out []Measurement
	for _, m := range ms {
		if m.Latency > 0 && m.Provider == provider {
			out = append(out, m)
		}
	}
	return out
}

func findPhase(ms []Measurement, phase string) (Measurement, bool) {
	for _, m := range ms {
		if m.Phase == phase {
			return m, true
		}
	}
	return Measurement{}, false
}

// savedApplyFloor is the shortest an apply of n adjustments can take at
// latency with 3 in flight.
func savedApplyFloor(n int, latency time.Duration) time.Duration {
	return time.Duration(n) * latency / maxInFlight
}

// latencyTargets adds the targets of the runs at real latency (issue 14).
func latencyTargets(r *Report, ms []Measurement, add func(name string, met bool, format string, args ...any)) {
	runs := latencyRuns(ms, "")
	if len(runs) == 0 {
		return
	}
	lat := runs[0].Latency
	if m, ok := findPhase(runs, PhaseLatencyApply); ok {
		name, met, actual := savedApplyTarget(m)
		add(name, met, "%s", actual)
		add(fmt.Sprintf("At %s: that apply posts exactly %s adjustments and at most %d other requests, with no "+
			"thread-limit rejection", ms2(lat), thousands(m.N), maxApplyOtherLarge),
			m.Counts.Adjustments == m.N && m.Counts.Other <= maxApplyOtherLarge && m.Counts.ThreadRejections == 0 &&
				m.Counts.MaxInFlight <= maxInFlight,
			"%d adjustments + %d other, %d rejections, at most %d in flight per endpoint", m.Counts.Adjustments,
			m.Counts.Other, m.Counts.ThreadRejections, m.Counts.MaxInFlight)
	}
	chain := planChain(r.Env.Accounts)
	for _, phase := range []string{PhaseLatencyCold, PhaseLatencyNoChange} {
		m, ok := findPhase(runs, phase)
		if !ok {
			continue
		}
		add(fmt.Sprintf("At %s: the %s of %s mappings waits for the longest chain of dependent requests (%d) "+
			"plus at most %d, not for their sum", ms2(lat), phase, thousands(m.N), chain, planRoundsSlack),
			m.Timeline.Chain <= chain+planRoundsSlack,
			"%d requests one after another of %d (waited %s; %s if all were)", m.Timeline.Chain,
			m.Timeline.Requests, secs(m.Timeline.Busy), secs(m.Timeline.Sum))
	}
}

// savedApplyTarget is the saved-plan target (issue 21): the provider's own
// share of the apply of a saved plan, its wall time over Terraform's for the
// same plan on the terraform_data twin, with the absolute floor of N
// requests at the latency, 3 in flight, for reference.
func savedApplyTarget(m Measurement) (name string, met bool, actual string) {
	floor := savedApplyFloor(m.N, m.Latency)
	name = fmt.Sprintf("At %s per Autotask request: the provider's own share of applying a saved plan that changes "+
		"%s mappings (its time over Terraform's for the same plan on the terraform_data twin) is at most %.2f×",
		ms2(m.Latency), thousands(m.N), maxSavedApplyRatio)
	met = m.Floor.Wall > 0 && m.Ratio() <= maxSavedApplyRatio
	actual = fmt.Sprintf("%.2f× (%s vs %s); for reference, against the absolute floor of %s × %s / %d = %s: "+
		"%.2f× (the twin alone %.2f×)", m.Ratio(), secs(m.Run.Wall), secs(m.Floor.Wall), thousands(m.N),
		ms2(m.Latency), maxInFlight, secs(floor), float64(m.Run.Wall)/float64(floor),
		float64(m.Floor.Wall)/float64(floor))
	return name, met, actual
}

func ms2(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }

// latencyMarkdown is the section on the runs at real latency, with the
// baseline's beside this commit's when it was measured.
func (r *Report) latencyMarkdown() string {
	runs := latencyRuns(r.Measurements, "")
	if len(runs) == 0 {
		return ""
	}
	lat := runs[0].Latency
	n := runs[0].N
	var b strings.Builder
	fmt.Fprintf(&b, "## At real Autotask latency\n\n"+
		"Every Autotask request takes %s (the emulator waits while the request holds its thread slot, so a client "+
		"that sent a 4th request to one endpoint would be refused; the zone lookup is delayed through the "+
		"sandbox's latency injection); Petra answers at once. A fresh sandbox of the same account is planned cold; "+
		"then the database of the runs above, which holds the %s mappings' units and claims, answers at that "+
		"latency for the nightly run: a `plan -out` in which every tenant's count has moved (every billing "+
		"mapping changes), the apply of that saved plan, and a no-change plan. The floor of each "+
		"command is the same command on the `terraform_data` twin (no requests), run right after it. *Waited* is "+
		"the time during which at least one Autotask request was in flight; *in a row* the longest sequence of "+
		"requests of which each started after the previous one ended (how many requests the command waited for one "+
		"after another); *all in a row* the sum of the requests' durations, what the command would wait if none "+
		"overlapped.\n\n", ms2(lat), thousands(n))
	b.WriteString("| Provider | Phase | Wall | terraform_data floor | Autotask requests | Adjustments | In a row | Waited | All in a row | Max in flight per endpoint | Thread-limit rejections | Provider peak RSS |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	rows := func(provider string) {
		label := "this commit"
		if provider != "" {
			label = provider
		}
		for _, m := range latencyRuns(r.Measurements, provider) {
			c, t := m.Counts, m.Timeline
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %d | %d | %d | %s | %s | %d | %d | %s |\n", label, m.Phase,
				secs(m.Run.Wall), secs(m.Floor.Wall), c.Autotask, c.Adjustments, t.Chain, secs(t.Busy), secs(t.Sum),
				c.MaxInFlight, c.ThreadRejections, mib(m.Run.PeakRSSKiB))
		}
	}
	rows("")
	if r.Env.Baseline != "" {
		rows(r.Env.Baseline)
	}
	b.WriteString("\n")
	if m, ok := findPhase(runs, PhaseLatencyApply); ok {
		floor := savedApplyFloor(m.N, lat)
		fmt.Fprintf(&b, "Saved-plan apply: %s against %s for Terraform applying the same plan to the "+
			"`terraform_data` twin, with no request at all: the provider's own share is **%.2f×** (target %.2f×)",
			secs(m.Run.Wall), secs(m.Floor.Wall), m.Ratio(), maxSavedApplyRatio)
		if bm, ok := findPhase(latencyRuns(r.Measurements, r.Env.Baseline), PhaseLatencyApply); ok && r.Env.Baseline != "" {
			fmt.Fprintf(&b, "; %s took %s against its twin's %s (%.2f×)", r.Env.Baseline, secs(bm.Run.Wall),
				secs(bm.Floor.Wall), bm.Ratio())
		}
		fmt.Fprintf(&b, ". For reference, the absolute floor of %s adjustments at %s with 3 in flight is %s × %s / %d "+
			"= %s: the apply took %.2f× that, and Terraform alone on the twin %.2f×.", thousands(m.N), ms2(lat),
			thousands(m.N), ms2(lat), maxInFlight, secs(floor), float64(m.Run.Wall)/float64(floor),
			float64(m.Floor.Wall)/float64(floor))
		if t := m.Timeline; t.Adjustments > 0 && t.AdjustmentSpan > 0 {
			fmt.Fprintf(&b, " The %s adjustments themselves spanned %s (%.1f per second; 3 in flight at %s allow "+
				"%.1f), the rest is Terraform's and the start's (zone, contract reads).", thousands(t.Adjustments),
				secs(t.AdjustmentSpan), float64(t.Adjustments)/t.AdjustmentSpan.Seconds(), ms2(lat),
				float64(maxInFlight)/lat.Seconds())
		}
		if _, met, _ := savedApplyTarget(m); !met {
			fmt.Fprintf(&b, " **Target not met:** the provider adds %s (%.2f×) to Terraform's own %s; at most %.2f× "+
				"would be %s.", secs(m.Run.Wall-m.Floor.Wall), m.Ratio(), secs(m.Floor.Wall), maxSavedApplyRatio,
				secs(time.Duration(float64(m.Floor.Wall)*maxSavedApplyRatio)))
		}
		b.WriteString("\n\n")
	}
	for _, phase := range []string{PhaseLatencyCold, PhaseLatencyNoChange} {
		m, ok := findPhase(runs, phase)
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "%s: %+.2f s against the floor; %d requests in a row, where the longest chain of dependent "+
			"requests is %d (%s at %s) and their sum %d (%s).\n\n", capitalize(phase), (m.Run.Wall - m.Floor.Wall).Seconds(),
			m.Timeline.Chain, planChain(r.Env.Accounts), secs(time.Duration(planChain(r.Env.Accounts))*lat), ms2(lat),
			m.Timeline.Requests, secs(time.Duration(m.Timeline.Requests)*lat))
	}
	plan, okPlan := findPhase(runs, PhaseLatencyPlan)
	apply, okApply := findPhase(runs, PhaseLatencyApply)
	noChange, okNoChange := findPhase(runs, PhaseLatencyNoChange)
	if okPlan && okApply {
		total := plan.Counts.Autotask + apply.Counts.Autotask
		fmt.Fprintf(&b, "**Request budget of a %s-tenant nightly run** (`plan -out`, then `apply` of that plan): "+
			"%d requests when every mapping changes (%d for the plan, %d for the apply: %d adjustments and %d other), "+
			"%.1f%% of Autotask's %s requests per hour for the whole database", thousands(n), total,
			plan.Counts.Autotask, apply.Counts.Autotask, apply.Counts.Adjustments, apply.Counts.Other,
			100*float64(total)/hourlyBudget, thousands(hourlyBudget))
		if okNoChange {
			fmt.Fprintf(&b, "; %d (%.1f%%) when nothing changed (the plan alone: an apply of an empty plan makes no "+
				"request)", noChange.Counts.Autotask, 100*float64(noChange.Counts.Autotask)/hourlyBudget)
		}
		b.WriteString(".\n\n")
	}
	return b.String()
}

// memoryMarkdown lists the provider's peak memory per phase at the largest N,
// this commit's beside the baseline's when it was measured.
func (r *Report) memoryMarkdown() string {
	var large []Measurement
	top := 0
	for _, m := range r.Measurements {
		top = max(top, m.N)
	}
	for _, m := range r.Measurements {
		if m.N == top {
			large = append(large, m)
		}
	}
	if len(large) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "## Provider memory at N = %s\n\n", thousands(top))
	b.WriteString("Peak resident set of the provider process (the largest of the processes Terraform started for " +
		"the command), per phase.\n\n")
	b.WriteString("| Phase | Latency | Provider | Peak RSS |\n|---|---|---|---:|\n")
	for _, m := range large {
		label := "this commit"
		if m.Provider != "" {
			label = m.Provider
		}
		l := "none"
		if m.Latency > 0 {
			l = ms2(m.Latency)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", m.Phase, l, label, mib(m.Run.PeakRSSKiB))
	}
	b.WriteString("\n")
	return b.String()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
