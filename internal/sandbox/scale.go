package sandbox

import (
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/petrasim"
)

// ScaleOptions describe a generated MSP-scale fixture (petra-sandbox
// -tenants N -broken K -seed S).
type ScaleOptions struct {
	// Tenants is the number of Petra tenants (at least 1).
	Tenants int
	// Broken is how many matched tenants get a broken contract, in turn: an
	// ended contract, a contract that has not started, the Petra service
	// twice on the contract.
	Broken int
	// Seed makes the fixture: the same options always give the same
	// fixture. 0 is a seed like any other.
	Seed uint64
}

// Ids and services of generated fixtures.
const (
	scaleCompanyBase  = 110001
	scaleContractBase = 210001
	scaleLineBase     = 410001
	// ScaleServicePetra is the service every generated contract bills Petra on.
	ScaleServicePetra = 310001
	// ScaleServiceBackup is a second service on every generated contract.
	ScaleServiceBackup = 310002
)

// Variants of a tenant's Autotask company name in a generated fixture.
const (
	VariantExact      = "exact"       // the same name
	VariantSuffix     = "suffix"      // a legal suffix added (", Inc.", " LLC", " Pty Ltd", ...)
	VariantCase       = "case"        // another case ("HARBOR DENTAL GROUP")
	VariantAccent     = "accent"      // an accent on one side only ("René" / "Rene")
	VariantAnd        = "and"         // "&" on one side, "and" on the other
	VariantAbbrev     = "abbreviated" // a word abbreviated ("Intl", "Mfg", "Assoc.")
	VariantTypo       = "typo"        // one letter dropped, doubled or two swapped in one word
	VariantShort      = "short"       // the last word left out ("Harbor Dental Group" / "Harbor Dental")
	VariantSuffixTypo = "suffix+typo" // both
	VariantDuplicate  = "duplicate"   // two companies whose names differ only by a legal suffix: ambiguous
	VariantNone       = "none"        // no company in Autotask (a tenant not yet in the PSA)
)

// Broken kinds of a generated tenant's contract.
const (
	BrokenEnded      = "ended"       // the contract ended 30 days ago
	BrokenNotStarted = "not-started" // the contract starts in 30 days
	BrokenDuplicate  = "duplicate"   // the Petra service is on the contract twice
)

// ScaleTenant is one generated tenant and what its Autotask side is, the
// answer key of name matching and the reviewed mapping of a rehearsal.
type ScaleTenant struct {
	TenantID   string
	TenantName string
	// Variant says how CompanyName differs from TenantName.
	Variant string
	// CompanyID is the tenant's company (0 for VariantNone). For
	// VariantDuplicate, OtherCompanyID is its near-identical twin, and a
	// name match must be marked ambiguous.
	CompanyID      int64
	CompanyName    string
	OtherCompanyID int64
	// ContractID and ContractServiceID are the Recurring Service contract
	// and its Petra line (0 for VariantNone).
	ContractID, ContractServiceID int64
	// Broken is "" or one of the Broken* kinds.
	Broken string
	// BillableUsers is Petra's billable count this month; SeededUnits is
	// what the Petra line holds before the first push.
	BillableUsers, SeededUnits int
}

// Ambiguous reports whether name matching cannot tell the company apart
// from another one by name alone.
func (t ScaleTenant) Ambiguous() bool { return t.Variant == VariantDuplicate }

var (
	scalePlaces = []string{
		"Harbor", "Cedar Ridge", "Summit", "Oakline", "Bluebird", "Lakeview", "Pinecrest", "Northwind", "Redwood",
		"Silver Creek", "Granite", "Maple Grove", "Riverside", "Evergreen", "Ironwood", "Copperfield", "Willow Bend",
		"Falcon", "Aspen", "Birchwood", "Stonebridge", "Meadowbrook", "Prairie", "Coastal", "Sunrise", "Horizon",
		"Beacon", "Keystone", "Liberty", "Pioneer", "Highland", "Westfield", "Eastgate", "Brookside", "Fairview",
		"Greenfield", "Hillcrest", "Kingsley", "Lakeshore", "Millbrook", "Oak Valley", "Parkside", "Ridgeway",
		"Sandpiper", "Timberline", "Whitmore", "Ashford", "Belmont", "Carlisle", "Dunmore", "Elmwood", "Foxhall",
		"Glenview", "Hawthorne", "Juniper", "Larkspur", "Montclair", "Newport", "Orchard", "Rosewood", "Sterling",
		"Trinity", "Windsor", "Crescent", "Blue Heron", "Saint-Rémy", "Montréal", "Zürich", "Bellevue", "Søndergaard",
	}
	scaleSurnames = []string{
		"Smith", "Jones", "Patel", "Nguyen", "Garcia", "Miller", "Keller", "O'Brien", "Novak", "Fischer", "Rossi",
		"Dubois", "Jensen", "Kowalski", "Haddad", "Lindqvist", "Moreau", "Okafor", "Tanaka", "Brennan",
	}
	scaleIndustries = []string{
		"Dental", "Logistics", "Accounting", "Veterinary", "Legal", "Manufacturing", "Property Management",
		"Architects", "Bakery", "Engineering", "Insurance", "Medical", "Consulting", "Construction", "Realty",
		"Plumbing", "Electric", "Landscaping", "Family Practice", "Pharmacy", "Auto Repair", "Orthodontics",
		"Chiropractic", "Financial", "Marketing", "Technology", "Transport", "Roofing", "Physical Therapy",
		"Pediatrics", "Title", "Wealth Management", "Brewing", "Printing", "Staffing", "Security",
	}
	scaleOrgs   = []string{"", "", "", "Group", "Partners", "Associates", "Services", "Solutions", "Clinic", "International", "Center"}
	scaleLegal  = []string{", Inc.", " Inc", " LLC", ", LLC", " Ltd", " Ltd.", " GmbH", " Pty Ltd", " Corp.", " Co.", " Limited", " L.L.C.", " PLLC"}
	scaleAbbrev = [][2]string{
		{"International", "Intl"}, {"Manufacturing", "Mfg"}, {"Associates", "Assoc."}, {"Management", "Mgmt"},
		{"Services", "Svcs"}, {"Brothers", "Bros."}, {"Group", "Grp"}, {"Engineering", "Eng."},
		{"Technology", "Tech"}, {"Accounting", "Acctg"}, {"Veterinary", "Vet"}, {"Medical", "Med."},
		{"Center", "Ctr"}, {"Construction", "Constr."}, {"Solutions", "Sols"}, {"Financial", "Fin."},
	}
	scaleDistractors = []string{
		"Microsoft Corporation", "Pax8, Inc.", "Ingram Micro Inc.", "Dell Technologies", "TD SYNNEX", "Datto, Inc.",
		"Comcast Business", "Verizon Wireless", "Staples Business Advantage", "CDW LLC",
	}
)

// ScaleFixture generates a sandbox fixture of an MSP with o.Tenants Petra
// tenants: the base fixture's API users, picklists and Petra key; tenants
// with realistic names; their Autotask companies, whose names vary as real
// PSAs' do (see the Variant* values: legal suffixes, case, accents,
// "&"/"and", abbreviations, a typo, duplicate companies, tenants with no
// company, and pairs of tenants with near-identical names), a few vendor
// companies; and for every tenant with a company a monthly Recurring Service
// contract in effect today with a Petra line and a backup line. o.Broken
// tenants get a broken contract. It returns the answer key beside it, in
// tenant order. The same options always give the same fixture.
func ScaleFixture(o ScaleOptions) (*Fixture, []ScaleTenant, error) {
	if o.Tenants < 1 {
		return nil, nil, fmt.Errorf("-tenants is %d; give the number of Petra tenants to generate, at least 1 (for example 200)", o.Tenants)
	}
	if o.Tenants > 20000 {
		return nil, nil, fmt.Errorf("-tenants is %d; the sandbox generates at most 20000 tenants", o.Tenants)
	}
	if o.Broken < 0 {
		return nil, nil, fmt.Errorf("-broken is %d; give how many tenants get a broken contract (0 or more)", o.Broken)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
	names := scaleNames(rng, o.Tenants)

	fx := BaseFixture()
	at := &fx.Autotask
	at.Companies, at.Services, at.Contracts, at.ContractServices, at.PostedPeriods = nil, nil, nil, nil, nil
	at.Services = []map[string]any{
		{"id": ScaleServicePetra, "name": "Petra M365 Account Protection", "unitPrice": 4.0, "periodType": 2, "billingCodeID": 29682801, "isActive": true},
		{"id": ScaleServiceBackup, "name": "Managed Backup for Microsoft 365", "unitPrice": 3.0, "periodType": 2, "billingCodeID": 29682801, "isActive": true},
	}
	fx.Petra.Tenants = make([]petrasim.Tenant, 0, o.Tenants)
	key := make([]ScaleTenant, 0, o.Tenants)
	nextCompany, nextContract, nextLine := int64(scaleCompanyBase), int64(scaleContractBase), int64(scaleLineBase)
	addCompany := func(name string, typ int) int64 {
		id := nextCompany
		nextCompany++
		at.Companies = append(at.Companies, map[string]any{
			"id": id, "companyName": name, "companyType": typ, "isActive": true,
			"phone": fmt.Sprintf("555-%04d", id%10000), "ownerResourceID": 29682885,
		})
		return id
	}
	ids := map[string]bool{}
	// A shortened company name must not be another tenant's name or another
	// shortened one: two companies of one name are a duplicate, which only
	// VariantDuplicate makes, on purpose.
	bases := map[string]bool{}
	for _, name := range names {
		bases[nameKey(name)] = true
	}
	for i, name := range names {
		st := ScaleTenant{TenantID: scaleTenantID(rng, ids), TenantName: name}
		st.BillableUsers = 5 + rng.IntN(146)
		st.SeededUnits = st.BillableUsers - 1 - rng.IntN(3)
		st.Variant, st.CompanyName = scaleVariant(rng, name)
		if st.Variant == VariantShort {
			if bases[nameKey(st.CompanyName)] {
				st.Variant, st.CompanyName = VariantSuffix, name+scaleLegal[rng.IntN(len(scaleLegal))]
			} else {
				bases[nameKey(st.CompanyName)] = true
			}
		}
		// Tenants with accents in Petra's display name, plain in Autotask,
		// and the other way round.
		if st.Variant == VariantAccent && rng.IntN(2) == 0 {
			st.TenantName, st.CompanyName = st.CompanyName, st.TenantName
		}
		switch st.Variant {
		case VariantNone:
		case VariantDuplicate:
			st.CompanyID = addCompany(st.CompanyName, 1)
			st.OtherCompanyID = addCompany(name+scaleLegal[rng.IntN(len(scaleLegal))], 1)
		default:
			st.CompanyID = addCompany(st.CompanyName, 1)
		}
		if st.CompanyID != 0 {
			st.ContractID = nextContract
			nextContract++
			at.Contracts = append(at.Contracts, map[string]any{
				"id": st.ContractID, "companyID": st.CompanyID, "contractName": st.CompanyName + " - Managed Security",
				"contractType": 7, "status": 1, "startDate": "today-200d", "endDate": "today+165d",
				"contractPeriodType": 2, "timeReportingRequiresStartAndStopTimes": 0,
			})
			st.ContractServiceID = nextLine
			at.ContractServices = append(at.ContractServices,
				map[string]any{"id": nextLine, "contractID": st.ContractID, "serviceID": ScaleServicePetra, "unitPrice": 4.0, "units": st.SeededUnits},
				map[string]any{"id": nextLine + 1, "contractID": st.ContractID, "serviceID": ScaleServiceBackup, "unitPrice": 3.0, "units": 3 + i%9})
			nextLine += 2
		}
		fx.Petra.Tenants = append(fx.Petra.Tenants, petrasim.Tenant{
			PetraTenantID:                   st.TenantID,
			Name:                            st.TenantName,
			MicrosoftTenantID:               scaleGUID(rng),
			OnboardingDate:                  "today-400d",
			FirstBillableDate:               "today-386d",
			TotalLicensedUsers:              st.BillableUsers + rng.IntN(6),
			BillableUsersThisMonth:          st.BillableUsers,
			ProratingPercentageThisMonth:    100,
			ProjectedBillableUnitsThisMonth: st.BillableUsers,
		})
		key = append(key, st)
	}
	// Broken contracts, spread over the tenants that have one.
	var withContract []int
	for i, st := range key {
		if st.ContractID != 0 && st.Variant != VariantDuplicate {
			withContract = append(withContract, i)
		}
	}
	if o.Broken > len(withContract) {
		return nil, nil, fmt.Errorf("-broken is %d, but only %d of the %d generated tenants have a contract to break; use a smaller -broken",
			o.Broken, len(withContract), o.Tenants)
	}
	rng.Shuffle(len(withContract), func(a, b int) { withContract[a], withContract[b] = withContract[b], withContract[a] })
	for n, i := range withContract[:o.Broken] {
		st := &key[i]
		c := contractByID(at.Contracts, st.ContractID)
		switch n % 3 {
		case 0:
			st.Broken = BrokenEnded
			c["startDate"], c["endDate"] = "today-395d", "today-30d"
		case 1:
			st.Broken = BrokenNotStarted
			c["startDate"], c["endDate"] = "today+30d", "today+395d"
		default:
			st.Broken = BrokenDuplicate
			at.ContractServices = append(at.ContractServices, map[string]any{
				"id": nextLine, "contractID": st.ContractID, "serviceID": ScaleServicePetra, "unitPrice": 4.0, "units": 1,
			})
			nextLine++
		}
	}
	// Vendors and distributors an MSP's PSA also holds.
	for _, d := range scaleDistractors {
		addCompany(d, 7)
	}
	return fx, key, nil
}

func contractByID(cs []map[string]any, id int64) map[string]any {
	for _, c := range cs {
		if c["id"] == id {
			return c
		}
	}
	panic(fmt.Sprintf("sandbox: generated contract %d missing", id))
}

// scaleNames draws n distinct tenant names. About one in twenty-five is a
// near-identical twin of the name before it ("Harbor Dental" and "Harbor
// Dental Group"), each with its own company.
func scaleNames(rng *rand.Rand, n int) []string {
	seen := map[string]bool{}
	out := make([]string, 0, n)
	for len(out) < n {
		var name string
		if len(out) > 0 && rng.IntN(25) == 0 {
			prev := out[len(out)-1]
			twin := []string{" Group", " North", " West", " Holdings", " Partners"}[rng.IntN(5)]
			if strings.HasSuffix(prev, twin) {
				continue
			}
			name = prev + twin
		} else {
			switch r := rng.IntN(100); {
			case r < 70:
				name = scalePlaces[rng.IntN(len(scalePlaces))] + " " + scaleIndustries[rng.IntN(len(scaleIndustries))]
				if org := scaleOrgs[rng.IntN(len(scaleOrgs))]; org != "" {
					name += " " + org
				}
			case r < 85:
				a, b := scaleSurnames[rng.IntN(len(scaleSurnames))], scaleSurnames[rng.IntN(len(scaleSurnames))]
				if a == b {
					continue
				}
				name = a + " & " + b + " " + scaleIndustries[rng.IntN(len(scaleIndustries))]
			default:
				s := scaleSurnames[rng.IntN(len(scaleSurnames))]
				name = s + []string{" Brothers ", " and Sons "}[rng.IntN(2)] + scaleIndustries[rng.IntN(len(scaleIndustries))]
			}
		}
		k := nameKey(name)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, name)
	}
	return out
}

// nameKey is a name's identity for the generator: case, spaces and
// "&"/"and" aside.
func nameKey(name string) string {
	return strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(name, "&", "and"), " ", ""))
}

// scaleVariant picks how the tenant's Autotask company name differs from
// its Petra name, and returns that company name.
func scaleVariant(rng *rand.Rand, name string) (string, string) {
	r := rng.IntN(100)
	switch {
	case r < 34:
		return VariantExact, name
	case r < 38:
		if i := strings.LastIndexByte(name, ' '); i > 0 && strings.Count(name, " ") >= 2 {
			return VariantShort, name[:i]
		}
	case r < 58:
		return VariantSuffix, name + scaleLegal[rng.IntN(len(scaleLegal))]
	case r < 63:
		return VariantCase, strings.ToUpper(name)
	case r < 68:
		if s, ok := accented(name); ok {
			return VariantAccent, s
		}
	case r < 75:
		switch {
		case strings.Contains(name, " & "):
			return VariantAnd, strings.Replace(name, " & ", " and ", 1)
		case strings.Contains(name, " and "):
			return VariantAnd, strings.Replace(name, " and ", " & ", 1)
		}
	case r < 83:
		for _, p := range rng.Perm(len(scaleAbbrev)) {
			if w := scaleAbbrev[p]; strings.Contains(name, w[0]) {
				return VariantAbbrev, strings.Replace(name, w[0], w[1], 1)
			}
		}
	case r < 90:
		if s, ok := misspelt(rng, name); ok {
			return VariantTypo, s
		}
	case r < 94:
		if s, ok := misspelt(rng, name); ok {
			return VariantSuffixTypo, s + scaleLegal[rng.IntN(len(scaleLegal))]
		}
	case r < 97:
		return VariantDuplicate, name
	default:
		return VariantNone, ""
	}
	// The variant does not apply to this name: a legal suffix, the most
	// common difference.
	return VariantSuffix, name + scaleLegal[rng.IntN(len(scaleLegal))]
}

// accented puts an accent on the first plain "e" of the name (not of its
// first letter): "Rene" → "René".
func accented(name string) (string, bool) {
	i := strings.IndexByte(name[1:], 'e')
	if i < 0 {
		return "", false
	}
	return name[:i+1] + "é" + name[i+2:], true
}

// misspelt makes one slip in one word of five letters or more (never its
// first letter): two letters swapped, one dropped or one doubled.
func misspelt(rng *rand.Rand, name string) (string, bool) {
	words := strings.Split(name, " ")
	var long []int
	for i, w := range words {
		if len(w) >= 5 && utf8.RuneCountInString(w) == len(w) && !strings.ContainsAny(w, "'.") {
			long = append(long, i)
		}
	}
	if len(long) == 0 {
		return "", false
	}
	wi := long[rng.IntN(len(long))]
	w := words[wi]
	p := 1 + rng.IntN(len(w)-2)
	switch rng.IntN(3) {
	case 0:
		if w[p] == w[p+1] {
			w = w[:p] + w[p+1:]
		} else {
			w = w[:p] + string(w[p+1]) + string(w[p]) + w[p+2:]
		}
	case 1:
		w = w[:p] + w[p+1:]
	default:
		w = w[:p] + string(w[p]) + w[p:]
	}
	words[wi] = w
	return strings.Join(words, " "), true
}

const tenantIDChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func scaleTenantID(rng *rand.Rand, used map[string]bool) string {
	for {
		b := make([]byte, 6)
		for i := range b {
			b[i] = tenantIDChars[rng.IntN(len(tenantIDChars))]
		}
		if id := string(b); !used[id] {
			used[id] = true
			return id
		}
	}
}

func scaleGUID(rng *rand.Rand) string {
	a, b := rng.Uint64(), rng.Uint64()
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", a>>32, (a>>16)&0xffff, a&0xfff, (b>>48)&0xfff, b&0xffffffffffff)
}

// WriteScaleMappings writes the reviewed mapping of a generated fixture as
// CSV, the file the onboarding and CSV guides start from: one row per tenant
// that has a company (a duplicate's company is the one holding the
// contract), with the contract and the Petra service. Tenants with no
// company are left out.
func WriteScaleMappings(w io.Writer, key []ScaleTenant) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"tenant_id", "tenant_name", "company_id", "contract_id", "service_id"}); err != nil {
		return err
	}
	for _, st := range key {
		if st.CompanyID == 0 {
			continue
		}
		if err := cw.Write([]string{st.TenantID, st.TenantName, strconv.FormatInt(st.CompanyID, 10),
			strconv.FormatInt(st.ContractID, 10), strconv.Itoa(ScaleServicePetra)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
