package namematch

import (
	"fmt"
	"sort"
	"strings"
)

// Scores of the ways two names can agree, highest first. A score says how
// sure the match is, not a probability.
const (
	ScoreSameName       = 100 // the same text, ignoring surrounding spaces
	ScoreSameFolded     = 99  // the same after case, accents, punctuation and "&"/"and"
	ScoreSameWords      = 96  // the same words after legal suffixes, plurals
	ScoreSameExpanded   = 93  // the same words once abbreviations are expanded
	ScoreOneTypo        = 88  // every word matches, one with a typo (each further typo: -4)
	ScoreInitials       = 80  // one name is the initials of the other
	scorePartialMax     = 75  // some words in common: 75 × the share of words in common
	MinCandidateScore   = 40  // below this a company is not a plausible candidate
	HighConfidenceScore = 85  // from here a single best candidate is a confident suggestion
	ExactScore          = 99  // from here the names are the same
	// AmbiguityMargin: candidates this close to the best are as plausible
	// as it, and the suggestion is marked ambiguous instead of guessed.
	AmbiguityMargin = 5
)

// Confidence of a tenant's suggestion.
const (
	ConfidenceExact     = "exact"     // one company has the same name (ignoring case, accents, punctuation, "&"/"and")
	ConfidenceHigh      = "high"      // one company clearly matches (suffixes, abbreviations, a typo, initials)
	ConfidenceLow       = "low"       // the best company shares only some words: review it
	ConfidenceAmbiguous = "ambiguous" // two or more companies match about equally: no suggestion
	ConfidenceNone      = "none"      // no company shares enough of the name
)

// Score is how well a company name matches a tenant name, and why.
type Score struct {
	Value  int
	Reason string
}

// Compare scores the company name against the tenant name.
func Compare(tenant, company string) Score {
	return compare(Normalize(tenant), Normalize(company))
}

// compare is Compare on names already normalised.
func compare(a, b Normalized) Score {
	if strings.TrimSpace(a.Original) == strings.TrimSpace(b.Original) && strings.TrimSpace(a.Original) != "" {
		return Score{ScoreSameName, "same name"}
	}
	if len(a.Plain) == 0 || len(b.Plain) == 0 {
		return Score{0, "no words to compare"}
	}
	if equalWords(a.Plain, b.Plain, false) {
		return Score{ScoreSameFolded, `same name ignoring case, accents, punctuation and "&"/"and"`}
	}
	if equalWords(a.Words, b.Words, true) {
		var why []string
		score := ScoreSameWords
		if s := suffixNote(a, b); s != "" {
			why = append(why, "removing legal suffixes ("+s+")")
		}
		if e := expandedNote(a, b); e != "" {
			why = append(why, "expanding abbreviations ("+e+")")
			score = ScoreSameExpanded
		}
		if len(why) == 0 {
			why = append(why, "ignoring plurals")
		}
		return Score{score, "same words after " + strings.Join(why, " and ")}
	}
	al := align(a.Words, b.Words)
	if al.exact+len(al.typos) == len(a.Words) && len(a.Words) == len(b.Words) && len(al.typos) > 0 {
		score := ScoreOneTypo - 4*(len(al.typos)-1)
		what := "one word differs by a typo"
		if len(al.typos) > 1 {
			what = fmt.Sprintf("%d words differ by a typo", len(al.typos))
		}
		if sn := suffixNote(a, b); sn != "" {
			what += " after removing legal suffixes (" + sn + ")"
		}
		return Score{score, what + " (" + strings.Join(al.typos, ", ") + ")"}
	}
	if acronymOf(a.Words, b.Words) {
		return Score{ScoreInitials, fmt.Sprintf("%q is the initials of %q", a.Words[0], strings.Join(b.Words, " "))}
	}
	if acronymOf(b.Words, a.Words) {
		return Score{ScoreInitials, fmt.Sprintf("%q is the initials of %q", b.Words[0], strings.Join(a.Words, " "))}
	}
	common := float64(al.exact) + 0.8*float64(len(al.typos))
	if common == 0 {
		return Score{0, "no word in common"}
	}
	dice := 2 * common / float64(len(a.Words)+len(b.Words))
	n := al.exact + len(al.typos)
	reason := fmt.Sprintf("%d of %d words in common (%s)", n, max(len(a.Words), len(b.Words)), strings.Join(al.shared, ", "))
	return Score{int(dice*scorePartialMax + 0.5), reason}
}

// equalWords compares word lists in order (stemmed when asked).
func equalWords(a, b []string, stemmed bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if stemmed {
			x, y = stem(x), stem(y)
		}
		if x != y {
			return false
		}
	}
	return true
}

func suffixNote(a, b Normalized) string {
	if strings.Join(a.Suffixes, " ") == strings.Join(b.Suffixes, " ") {
		return ""
	}
	var parts []string
	for _, s := range append(append([]string(nil), a.Suffixes...), b.Suffixes...) {
		parts = append(parts, suffixLabel(s))
	}
	return strings.Join(parts, ", ")
}

// suffixLabel writes a folded legal suffix the way it is usually written.
func suffixLabel(s string) string {
	switch s {
	case "llc", "llp", "lp", "lc", "pllc", "plc", "ag", "kg", "ug", "sa", "sarl", "sas", "srl", "bv", "nv",
		"ab", "as", "pc", "pa", "kk":
		return strings.ToUpper(s)
	case "gmbh":
		return "GmbH"
	case "spa":
		return "SpA"
	case "aps":
		return "ApS"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func expandedNote(a, b Normalized) string {
	return strings.Join(append(append([]string(nil), a.Expanded...), b.Expanded...), ", ")
}

// alignment is how the words of two names pair up.
type alignment struct {
	exact  int
	typos  []string // "dentl ≈ dental"
	shared []string // the words in common, in the first name's order
}

// align pairs each word of a with an unused word of b: the same word
// (plurals ignored) first, then a typo.
func align(a, b []string) alignment {
	used := make([]bool, len(b))
	var al alignment
	pending := make([]int, 0, len(a))
	for i, x := range a {
		found := false
		for j, y := range b {
			if !used[j] && stem(x) == stem(y) {
				used[j], found = true, true
				al.exact++
				break
			}
		}
		if !found {
			pending = append(pending, i)
		}
	}
	typoOf := map[int]string{}
	for _, i := range pending {
		for j, y := range b {
			if !used[j] && typo(a[i], y) {
				used[j] = true
				typoOf[i] = y
				al.typos = append(al.typos, a[i]+" ≈ "+y)
				break
			}
		}
	}
	for i, x := range a {
		if y, ok := typoOf[i]; ok {
			al.shared = append(al.shared, x+" ≈ "+y)
			continue
		}
		if !contains(pending, i) {
			al.shared = append(al.shared, x)
		}
	}
	return al
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// typo reports whether two different alphabetic words are one slip apart:
// one letter added, dropped, changed or two swapped (two slips for words of
// nine letters or more). Short words and numbers must match exactly.
func typo(x, y string) bool {
	if x == y || !alpha(x) || !alpha(y) {
		return false
	}
	short := min(len(x), len(y))
	if short < 4 {
		return false
	}
	limit := 1
	if short >= 9 {
		limit = 2
	}
	if x[0] != y[0] {
		// Slips rarely hit the first letter; requiring it keeps unrelated
		// short words apart ("bake" / "lake").
		return false
	}
	return osaDistance(x, y, limit) <= limit
}

func alpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// osaDistance is the optimal string alignment distance (Levenshtein with
// adjacent transpositions), stopping early above limit.
func osaDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// acronymOf reports whether short is one word made of the initials of the
// words of long (two words or more): "hdg" and "harbor dental group".
func acronymOf(short, long []string) bool {
	if len(short) != 1 || len(long) < 2 || len(short[0]) != len(long) {
		return false
	}
	for i, w := range long {
		if w[0] != short[0][i] {
			return false
		}
	}
	return true
}

// Company is a candidate company.
type Company struct {
	ID   int64
	Name string
}

// Candidate is a company scored against a tenant name.
type Candidate struct {
	Company
	Score
}

// Suggestion is the outcome for one tenant name.
type Suggestion struct {
	// Candidates are the plausible companies (score of at least
	// MinCandidateScore), best first: at most the number asked for, or
	// every company tied with the best when more are.
	Candidates []Candidate
	// Confidence is one of the Confidence* values.
	Confidence string
	// Best is the suggested company, nil when the confidence is ambiguous or
	// none.
	Best *Candidate
	// Note explains the confidence in a sentence.
	Note string
}

// Suggest ranks companies for a tenant name. Ties in score are ordered by
// company name, then id, so the result never depends on input order. limit
// caps the candidates returned (0: 3); ambiguity is decided over all of them.
func Suggest(tenant string, companies []Company, limit int) Suggestion {
	return NewIndex(companies).Suggest(tenant, limit)
}

// Index holds companies normalised once, to suggest companies for many
// tenants.
type Index struct {
	companies []Company
	names     []Normalized
}

// NewIndex normalises the companies' names.
func NewIndex(companies []Company) *Index {
	ix := &Index{companies: companies, names: make([]Normalized, len(companies))}
	for i, c := range companies {
		ix.names[i] = Normalize(c.Name)
	}
	return ix
}

// Suggest is the package's Suggest against the index's companies.
func (ix *Index) Suggest(tenant string, limit int) Suggestion {
	if limit <= 0 {
		limit = 3
	}
	t := Normalize(tenant)
	var all []Candidate
	for i, c := range ix.companies {
		s := compare(t, ix.names[i])
		if s.Value >= MinCandidateScore {
			all = append(all, Candidate{Company: c, Score: s})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Value != all[j].Value {
			return all[i].Value > all[j].Value
		}
		if all[i].Name != all[j].Name {
			return all[i].Name < all[j].Name
		}
		return all[i].ID < all[j].ID
	})
	var out Suggestion
	if len(all) == 0 {
		out.Confidence = ConfidenceNone
		out.Note = fmt.Sprintf("No company shares enough of the name (a candidate needs a score of %d).", MinCandidateScore)
		return out
	}
	best := all[0]
	tied := 1
	for tied < len(all) && all[tied].Value >= best.Value-AmbiguityMargin {
		tied++
	}
	out.Candidates = all[:min(len(all), max(limit, tied))]
	switch {
	case tied > 1:
		out.Confidence = ConfidenceAmbiguous
		names := make([]string, tied)
		for i := range tied {
			names[i] = fmt.Sprintf("%q (%d, score %d)", all[i].Name, all[i].ID, all[i].Value)
		}
		out.Note = fmt.Sprintf("%d companies match about equally: %s. Choose one in Autotask's records (merge "+
			"duplicates if they are the same customer).", tied, strings.Join(names, ", "))
		return out
	case best.Value >= ExactScore:
		out.Confidence = ConfidenceExact
		out.Note = "One company has the same name."
	case best.Value >= HighConfidenceScore:
		out.Confidence = ConfidenceHigh
		out.Note = "One company clearly matches: " + best.Reason + "."
	default:
		out.Confidence = ConfidenceLow
		out.Note = "The best company shares only part of the name (" + best.Reason + "): review it before mapping."
	}
	out.Best = &out.Candidates[0]
	return out
}
