package namematch

import (
	"reflect"
	"testing"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		in              string
		words, suffixes []string
		expanded        []string
	}{
		{"Harbor Dental Group", []string{"harbor", "dental", "group"}, nil, nil},
		{"Harbor Dental Group, Inc.", []string{"harbor", "dental", "group"}, []string{"inc"}, nil},
		{"HARBOR  dental-group", []string{"harbor", "dental", "group"}, nil, nil},
		{"Müller & Söhne GmbH", []string{"muller", "sohne"}, []string{"gmbh"}, nil},
		{"Smith and Jones Pty Ltd", []string{"smith", "jones"}, []string{"pty", "ltd"}, nil},
		{"A.B.C. Plumbing L.L.C.", []string{"abc", "plumbing"}, []string{"llc"}, nil},
		{"O'Brien Intl Mfg Co", []string{"obrien", "international", "manufacturing"}, []string{"co"},
			[]string{"intl → international", "mfg → manufacturing"}},
		{"Load Co 0089", []string{"load", "co", "0089"}, nil, nil},
		{"The Company", []string{"company"}, nil, nil},
		{"Straße Café", []string{"strasse", "cafe"}, nil, nil},
	} {
		n := Normalize(tc.in)
		if !reflect.DeepEqual(n.Words, tc.words) || !reflect.DeepEqual(n.Suffixes, tc.suffixes) || !reflect.DeepEqual(n.Expanded, tc.expanded) {
			t.Errorf("Normalize(%q) = words %q suffixes %q expanded %q; want %q %q %q", tc.in, n.Words, n.Suffixes, n.Expanded,
				tc.words, tc.suffixes, tc.expanded)
		}
	}
}

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		tenant, company string
		want            Score
	}{
		{"Harbor Dental Group", "Harbor Dental Group", Score{100, "same name"}},
		{"Harbor Dental Group", "harbor dental group", Score{99, `same name ignoring case, accents, punctuation and "&"/"and"`}},
		{"Smith & Jones", "Smith and Jones", Score{99, `same name ignoring case, accents, punctuation and "&"/"and"`}},
		{"Rene's Bakery", "René's Bakery", Score{99, `same name ignoring case, accents, punctuation and "&"/"and"`}},
		{"Harbor Dental Group", "Harbor Dental Group, LLC", Score{96, "same words after removing legal suffixes (LLC)"}},
		{"Acme Pty Ltd", "Acme GmbH", Score{96, "same words after removing legal suffixes (Pty, Ltd, GmbH)"}},
		{"Northwind Logistics Service", "Northwind Logistics Services", Score{96, "same words after ignoring plurals"}},
		{"Oakline International Manufacturing", "Oakline Intl Mfg Inc", Score{93,
			"same words after removing legal suffixes (Inc) and expanding abbreviations (intl → international, mfg → manufacturing)"}},
		{"Cedar Ridge Accounting", "Cedar Ridge Acounting", Score{88, "one word differs by a typo (accounting ≈ acounting)"}},
		{"Cedar Ridge Accounting", "Cedar Rigde Acounting", Score{84, "2 words differ by a typo (ridge ≈ rigde, accounting ≈ acounting)"}},
		{"Pinecrest Architects", "Pinecrest Architcts Pty Ltd", Score{88, "one word differs by a typo after removing legal suffixes (Pty, Ltd) (architects ≈ architcts)"}},
		{"HDG", "Harbor Dental Group Inc", Score{80, `"hdg" is the initials of "harbor dental group"`}},
		{"Harbor Dental Group", "Harbor Dental Clinic", Score{50, "2 of 3 words in common (harbor, dental)"}},
		{"Harbor Dental Group", "Load Co 0089", Score{0, "no word in common"}},
		{"Lakeview", "Lake View", Score{0, "no word in common"}},
		{"Bake House", "Lake House", Score{38, "1 of 2 words in common (house)"}},
		{"", "Acme", Score{0, "no words to compare"}},
	} {
		if got := Compare(tc.tenant, tc.company); got != tc.want {
			t.Errorf("Compare(%q, %q) = %+v, want %+v", tc.tenant, tc.company, got, tc.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	companies := []Company{
		{1001, "Harbor Dental Group"},
		{1002, "Northwind Logistics, Inc."},
		{1003, "Cedar Ridge Acounting"},
		{1004, "Summit Legal Partners LLC"},
		{1005, "Summit Legal Partners, Inc."},
		{1006, "Oakline Intl Mfg"},
		{1007, "Load Co 0089"},
		{1008, "Harbor Dental Clinic"},
	}
	for _, tc := range []struct {
		tenant     string
		confidence string
		best       int64
		candidates []int64
	}{
		{"Harbor Dental Group", ConfidenceExact, 1001, []int64{1001, 1008}},
		{"Northwind Logistics", ConfidenceHigh, 1002, []int64{1002}},
		{"Cedar Ridge Accounting", ConfidenceHigh, 1003, []int64{1003}},
		{"Summit Legal Partners", ConfidenceAmbiguous, 0, []int64{1004, 1005}},
		{"Oakline International Manufacturing", ConfidenceHigh, 1006, []int64{1006}},
		{"Harbor Dental", ConfidenceAmbiguous, 0, []int64{1008, 1001}},
		{"Oakline Manufacturing Group", ConfidenceLow, 1006, []int64{1006}},
		{"Bluebird Veterinary Clinic", ConfidenceNone, 0, nil},
	} {
		s := Suggest(tc.tenant, companies, 3)
		var ids []int64
		for _, c := range s.Candidates {
			ids = append(ids, c.ID)
		}
		var best int64
		if s.Best != nil {
			best = s.Best.ID
		}
		if s.Confidence != tc.confidence || best != tc.best || !reflect.DeepEqual(ids, tc.candidates) {
			t.Errorf("Suggest(%q) = %s best %d candidates %v (%s); want %s best %d candidates %v", tc.tenant, s.Confidence,
				best, ids, s.Note, tc.confidence, tc.best, tc.candidates)
		}
	}
}

// TestSuggestIgnoresInputOrder: the same companies in another order give
// the same suggestion, ties included.
func TestSuggestIgnoresInputOrder(t *testing.T) {
	a := []Company{{2, "Acme LLC"}, {1, "Acme Inc"}, {3, "Acme Holdings"}}
	b := []Company{{3, "Acme Holdings"}, {1, "Acme Inc"}, {2, "Acme LLC"}}
	if x, y := Suggest("Acme", a, 5), Suggest("Acme", b, 5); !reflect.DeepEqual(x, y) {
		t.Errorf("order changed the result:\n%+v\n%+v", x, y)
	}
}

func TestShareSignificantWord(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"Harbor Dental Group", "Load Co 0089", false},
		{"Harbor Dental Group", "Harbor Holdings LLC", true},
		{"Harbor Dental Group", "Harbour Dental", true},
		{"Acme Inc", "Zenith Inc", false},
		{"The Smith Company", "The Jones Company", false},
		{"HDG", "Harbor Dental Group", true},
		{"Oakline Mfg", "Pinecrest Manufacturing", true},
		{"A B", "A C", false},
	} {
		if got := ShareSignificantWord(tc.a, tc.b); got != tc.want {
			t.Errorf("ShareSignificantWord(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
