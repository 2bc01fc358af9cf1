package petra

import "time"

// Tenant is one entry of GET /v1/tenants. Removed tenants are not listed;
// paused tenants are, with IsPaused set.
type Tenant struct {
	// PetraTenantID is Petra's short tenant ID (as in app.petrasecurity.com/tenant/<id>).
	PetraTenantID string `json:"petraTenantId"`
	// Name is the tenant's display name.
	Name string `json:"name"`
	// MicrosoftTenantID is the Microsoft Entra tenant GUID.
	MicrosoftTenantID string `json:"microsoftTenantId"`
	// IsPaused is true for paused (unbilled) tenants.
	IsPaused bool `json:"isPaused"`
	// OnboardingDate is when the tenant was onboarded (UTC; zero if absent).
	OnboardingDate time.Time `json:"onboardingDate"`
}

// Usage is the organization-wide billing snapshot from GET /v1/usage.
type Usage struct {
	// AsOf is the date the snapshot is for (UTC midnight).
	AsOf time.Time `json:"asOf"`
	// ReportGeneratedAt is when Petra produced the report.
	ReportGeneratedAt time.Time `json:"reportGeneratedAt"`
	// OrganizationName is the MSP's organization name in Petra.
	OrganizationName string `json:"organizationName"`
	// TotalTenants is the number of tenants Petra reports.
	TotalTenants int `json:"totalTenants"`
	// Tenants holds one entry per tenant.
	Tenants []UsageTenant `json:"tenants"`
}

// UsageTenant is one tenant's line in a Usage report.
type UsageTenant struct {
	// PetraTenantID is Petra's short tenant ID.
	PetraTenantID string `json:"petraTenantId"`
	// MicrosoftTenantID is the Microsoft Entra tenant GUID.
	MicrosoftTenantID string `json:"microsoftTenantId"`
	// OnboardingDate is the onboarding date (UTC midnight).
	OnboardingDate time.Time `json:"onboardingDate"`
	// DisplayName is the tenant's name.
	DisplayName string `json:"displayName"`
	// Service is the Petra service, for example "Monitoring" or "Autopsy".
	Service string `json:"service"`
	// IsPaused is true for paused tenants, which are not billed.
	IsPaused bool `json:"isPaused"`
	// FirstBillableDate is the first date the tenant is billed (zero if none).
	FirstBillableDate time.Time `json:"firstBillableDate"`
	// BillableStatus is for example "Trial", "Active", "NFR" or "Deleted".
	BillableStatus string `json:"billableStatus"`
	// TotalLicensedUsers counts users with a billable Microsoft licence.
	TotalLicensedUsers int `json:"totalLicensedUsers"`
	// BillableUsersThisMonth is the number of users billed this month.
	BillableUsersThisMonth int `json:"billableUsersThisMonth"`
	// ProratingPercentageThisMonth is the month's proration as Petra reports
	// it. INFERRED (ref §A2): a percentage (0-100), not a fraction.
	ProratingPercentageThisMonth float64 `json:"proratingPercentageThisMonth"`
}

// BillableUsers is one tenant's billable-user report from GET /v1/billable-users.
type BillableUsers struct {
	// TenantID is Petra's short tenant ID.
	TenantID string `json:"tenantId"`
	// TenantDisplayName is the tenant's name.
	TenantDisplayName string `json:"tenantDisplayName"`
	// MicrosoftTenantID is the Microsoft Entra tenant GUID.
	MicrosoftTenantID string `json:"microsoftTenantId"`
	// ReportGeneratedAt is when Petra produced the report.
	ReportGeneratedAt time.Time `json:"reportGeneratedAt"`
	// TotalBillableUsers is the number of billable users right now.
	TotalBillableUsers int `json:"totalBillableUsers"`
	// ProjectedBillableUnitsThisMonth is the prorated unit count Petra bills
	// for this month: the value to push to Autotask. It is nil when Petra
	// omitted the field (the older /beta route lacks it), so callers never
	// mistake a missing value for zero units.
	ProjectedBillableUnitsThisMonth *int `json:"projectedBillableUnitsThisMonth"`
	// Users lists the billable users.
	Users []BillableUser `json:"users"`
}

// BillableUser is one user in a BillableUsers report.
type BillableUser struct {
	// ID is the Microsoft user object ID.
	ID string `json:"id"`
	// DisplayName is the user's name.
	DisplayName string `json:"displayName"`
	// UserPrincipalName is the sign-in name.
	UserPrincipalName string `json:"userPrincipalName"`
	// Mail is the primary e-mail address.
	Mail string `json:"mail"`
	// AccountEnabled reports whether sign-in is enabled.
	AccountEnabled bool `json:"accountEnabled"`
	// AssignedLicenseSkuIDs are the user's Microsoft licence SKU IDs.
	AssignedLicenseSkuIDs []string `json:"assignedLicenseSkuIds"`
}
