// Package namematch suggests which Autotask company a Petra tenant is, by
// name. It is pure and deterministic: the same names always give the same
// candidates, scores and reasons, in the same order, and every score comes
// with a reason a person can check ("same words after removing legal
// suffixes (Inc)", "one word differs by a typo: dentl ≈ dental").
//
// Names are compared word by word after normalisation: case, accents and
// punctuation are ignored, "&", "+" and "and" are the same, initials written
// with dots ("A.B.C.") are one word, legal suffixes at the end (Inc, LLC,
// Ltd, GmbH, Pty, Corp, Co and the like) are set aside, and common business
// abbreviations (Intl, Mfg, Svcs, Assoc, Mgmt, ...) are expanded.
//
// The package has no Terraform and no HTTP imports: the provider's
// petra_autotask_company_matches data source and the sandbox's accuracy test
// call it with names they read.
package namematch

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// legalSuffixes are the words (after normalisation) set aside at the end of a
// name. "co" and "company" count only at the end ("Load Co 0089" keeps it).
var legalSuffixes = map[string]bool{
	"inc": true, "incorporated": true, "llc": true, "llp": true, "lp": true, "lc": true, "pllc": true,
	"ltd": true, "limited": true, "plc": true, "gmbh": true, "ag": true, "kg": true, "ug": true,
	"pty": true, "corp": true, "corporation": true, "co": true, "company": true, "sa": true,
	"sarl": true, "sas": true, "srl": true, "spa": true, "bv": true, "nv": true, "oy": true, "ab": true,
	"as": true, "aps": true, "pc": true, "pa": true, "kk": true, "bhd": true, "sdn": true,
}

// stopWords carry no meaning for matching; "and" stands for "&" too.
var stopWords = map[string]bool{"and": true, "the": true, "of": true}

// abbreviations maps common business abbreviations (after normalisation) to
// the word they stand for.
var abbreviations = map[string]string{
	"intl": "international", "int'l": "international", "mfg": "manufacturing", "mfrs": "manufacturers",
	"svc": "services", "svcs": "services", "srvcs": "services", "assoc": "associates", "assocs": "associates",
	"assn": "association", "mgmt": "management", "mgt": "management", "grp": "group", "bros": "brothers",
	"tech": "technology", "techs": "technologies", "natl": "national", "dist": "distribution",
	"acct": "accounting", "acctg": "accounting", "med": "medical", "vet": "veterinary", "engr": "engineering",
	"eng": "engineering", "ctr": "center", "centre": "center", "sys": "systems", "sol": "solutions",
	"sols": "solutions", "props": "properties", "prop": "property", "ins": "insurance", "fin": "financial",
	"finl": "financial", "hldgs": "holdings", "hldg": "holding", "mktg": "marketing", "constr": "construction",
	"const": "construction", "dent": "dental", "univ": "university", "hosp": "hospital", "labs": "laboratories",
	"lab": "laboratory", "pharm": "pharmacy", "elec": "electric", "mtn": "mountain", "ent": "enterprises",
	"ents": "enterprises", "invest": "investments", "inv": "investments", "arch": "architects",
	"archs": "architects", "log": "logistics", "dev": "development", "ptnrs": "partners", "prtnrs": "partners",
	"mgrs": "managers", "cpas": "accountants", "ste": "suite",
}

// foldRune maps letters that Unicode decomposition does not reduce to ASCII.
var foldRune = map[rune]string{
	'ß': "ss", 'ø': "o", 'Ø': "o", 'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'ł': "l", 'Ł': "l",
	'đ': "d", 'Đ': "d", 'ð': "d", 'þ': "th", 'ı': "i",
}

// Normalized is a name prepared for comparison.
type Normalized struct {
	// Original is the name as given.
	Original string
	// Words are the significant words: lower case, ASCII, abbreviations
	// expanded, without stop words and without the legal suffixes at the end.
	Words []string
	// Plain are the words after case, accent and punctuation folding only
	// (stop words dropped, nothing expanded or removed).
	Plain []string
	// Suffixes are the legal suffixes set aside, as written after folding.
	Suffixes []string
	// Expanded lists the abbreviations expanded ("intl → international").
	Expanded []string
}

// fold lower-cases s, strips accents and turns "&" and "+" into " and ".
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// combining accent: dropped
		case foldRune[r] != "":
			b.WriteString(foldRune[r])
		case r == '&' || r == '+':
			b.WriteString(" and ")
		case r == '\'' || r == '’' || r == '`' || r == '´':
			// apostrophes join: "O'Brien" → "obrien", "Int'l" → "intl"
		case r == '.':
			b.WriteByte('.')
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// tokens splits a folded name into words. Dots end a word, and a run of
// one-letter words ("a.b.c." or "a b c") is joined into one word ("abc").
func tokens(folded string) []string {
	raw := strings.FieldsFunc(folded, func(r rune) bool { return r == ' ' || r == '.' })
	var out []string
	run := ""
	flush := func() {
		if run != "" {
			out = append(out, run)
			run = ""
		}
	}
	for _, w := range raw {
		if len(w) == 1 && unicode.IsLetter(rune(w[0])) {
			run += w
			continue
		}
		flush()
		out = append(out, w)
	}
	flush()
	return out
}

// Normalize prepares name for comparison.
func Normalize(name string) Normalized {
	n := Normalized{Original: name}
	all := tokens(fold(name))
	for _, w := range all {
		if !stopWords[w] {
			n.Plain = append(n.Plain, w)
		}
	}
	words := append([]string(nil), n.Plain...)
	// Legal suffixes at the end, as many as there are ("Pty Ltd"), but never
	// the whole name ("The Company" stays "company").
	end := len(words)
	for end > 1 && legalSuffixes[words[end-1]] {
		end--
	}
	n.Suffixes = append(n.Suffixes, words[end:]...)
	words = words[:end]
	for i, w := range words {
		if full, ok := abbreviations[w]; ok {
			n.Expanded = append(n.Expanded, w+" → "+full)
			words[i] = full
		}
	}
	n.Words = words
	return n
}

// stem reduces a word to the form compared: a plural "s" is ignored
// ("Service" and "Services" are the same word).
func stem(w string) string {
	if len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
		return w[:len(w)-1]
	}
	return w
}

// Significant reports whether a word counts when deciding that two names
// share nothing: a stop word, a legal suffix or a word of one letter does
// not.
func Significant(w string) bool {
	return len(w) > 1 && !stopWords[w] && !legalSuffixes[w]
}

// ShareSignificantWord reports whether two names have a significant word in
// common after normalisation (typos of one letter in a long word count as
// the same word). The provider warns about mappings whose names do not.
func ShareSignificantWord(a, b string) bool {
	na, nb := Normalize(a), Normalize(b)
	wa, wb := significantWords(na), significantWords(nb)
	for _, x := range wa {
		for _, y := range wb {
			if stem(x) == stem(y) || typo(x, y) {
				return true
			}
		}
	}
	// Initials: "HDG" and "Harbor Dental Group".
	return acronymOf(na.Words, nb.Words) || acronymOf(nb.Words, na.Words)
}

func significantWords(n Normalized) []string {
	var out []string
	for _, w := range n.Words {
		if Significant(w) {
			out = append(out, w)
		}
	}
	return out
}
