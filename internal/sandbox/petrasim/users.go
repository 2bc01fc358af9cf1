package petrasim

import (
	"fmt"
	"hash/fnv"
	"strings"
)

// Microsoft 365 SKU ids used for synthesised users.
const (
	skuBusinessPremium  = "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46"
	skuBusinessStandard = "f245ecc8-75af-4f8e-b61f-27d8114de5f3"
	skuBusinessBasic    = "3b555118-da6a-4418-894f-7df1e2096870"
	skuTeamsExploratory = "710779e8-3d4a-4c88-adb9-386c958d1fdf"
	skuPowerAutomFree   = "f30db892-07e9-47e9-837c-80727f46fd3d"
)

// freeSKUs are licences Petra does not bill (petra-api.md §A5 lists the free
// and special SKUs by name; the ids here cover the two the emulator uses).
var freeSKUs = map[string]bool{
	skuTeamsExploratory: true,
	skuPowerAutomFree:   true,
}

// isBillable reports whether Petra bills u: not deleted and holding at least
// one licence outside the free list (ref §A2, §A5). A disabled account that
// still holds a paid licence stays billable: INFERRED (ref §A5 counts
// licensed identities, not sign-in state).
func isBillable(u User) bool {
	if u.Deleted {
		return false
	}
	for _, s := range u.AssignedLicenseSkuIDs {
		if !freeSKUs[s] {
			return true
		}
	}
	return false
}

var firstNames = []string{"Avery", "Blake", "Casey", "Devon", "Emerson", "Finley", "Gray", "Harper", "Indigo", "Jordan", "Kendall", "Logan", "Morgan", "Noel", "Oakley", "Parker", "Quinn", "Reese", "Sawyer", "Taylor", "Umber", "Val", "Wren", "Yael"}
var lastNames = []string{"Abbott", "Brennan", "Castillo", "Duarte", "Ellison", "Fujita", "Garrido", "Haddad", "Ibarra", "Jansen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quintero", "Rossi", "Schmidt", "Tanaka", "Usman", "Varga", "Whitfield", "Zhou"}

// tenantDomain derives a mail domain from the tenant name ("Harbor Dental
// Group" => "harbordentalgroup.com").
func tenantDomain(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "tenant.onmicrosoft.com"
	}
	return b.String() + ".com"
}

// stableGUID renders a deterministic GUID from a seed string.
func stableGUID(seed string) string {
	h1 := fnv.New64a()
	h1.Write([]byte(seed))
	a := h1.Sum64()
	h2 := fnv.New64()
	h2.Write([]byte(seed))
	b := h2.Sum64()
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x",
		uint32(a>>32), uint16(a>>16), uint16(a)&0xfff, uint16(b>>48)&0xfff, b&0xffffffffffff)
}

// synthesizeUsers builds a deterministic user list consistent with the
// tenant's counts: billableUsersThisMonth users holding a paid licence (every
// fifth of them disabled but still licensed), totalLicensedUsers minus that
// number holding only free licences, and some unlicensed accounts (shared
// mailboxes, leavers; every other one disabled).
func synthesizeUsers(t Tenant) []User {
	billable := t.BillableUsersThisMonth
	freeOnly := t.TotalLicensedUsers - billable
	if freeOnly < 0 {
		freeOnly = 0
	}
	unlicensed := 1 + t.TotalLicensedUsers/4
	domain := tenantDomain(t.Name)
	paid := []string{skuBusinessPremium, skuBusinessStandard, skuBusinessBasic}
	users := make([]User, 0, billable+freeOnly+unlicensed)
	mk := func(n int, skus []string, enabled bool) User {
		first := firstNames[n%len(firstNames)]
		last := lastNames[(n/len(firstNames)+n*7)%len(lastNames)]
		local := strings.ToLower(fmt.Sprintf("%s.%s%d", first, last, n+1))
		upn := local + "@" + domain
		return User{
			ID:                    stableGUID(t.PetraTenantID + "/" + upn),
			DisplayName:           first + " " + last,
			UserPrincipalName:     upn,
			Mail:                  upn,
			AccountEnabled:        enabled,
			AssignedLicenseSkuIDs: skus,
		}
	}
	n := 0
	for i := 0; i < billable; i++ {
		users = append(users, mk(n, []string{paid[i%len(paid)]}, i%5 != 4))
		n++
	}
	for i := 0; i < freeOnly; i++ {
		users = append(users, mk(n, []string{skuTeamsExploratory, skuPowerAutomFree}[i%2:i%2+1], true))
		n++
	}
	for i := 0; i < unlicensed; i++ {
		users = append(users, mk(n, []string{}, i%2 == 0))
		n++
	}
	return users
}
