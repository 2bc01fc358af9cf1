// Package autotasksim emulates the Autotask PSA REST API (zone lookup,
// authentication, permissions, the query engine, paging, the recurring-service
// contract model and the API limits) closely enough that the provider and any
// standard third-party Autotask REST client can run against it. It is an
// independent implementation of the wire protocol described in
// /work/shared/reference/autotask-api.md and does not share code with the
// provider's client.
package autotasksim

import (
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/simtime"
)

// Defaults applied by New when the corresponding Config field is zero.
const (
	DefaultZoneName        = "SBX01"
	DefaultCI              = int64(900001)
	DefaultHourlyThreshold = 10000            // ref §6
	DefaultThresholdWindow = 60 * time.Minute // ref §6
	DefaultThreadLimit     = 3                // per (integration code, endpoint), ref §6
	// DefaultThreadLimitStatus is the HTTP status of a thread-limit rejection.
	// INFERRED (ref §6): the reference only gives the Itgenatr005 text.
	DefaultThreadLimitStatus = 500
)

// Config tunes the emulator. Zero values select the documented defaults.
type Config struct {
	// Clock supplies Now (rate-limit windows) and Today (business dates).
	// Defaults to a wall clock.
	Clock simtime.Clock
	// ZoneName is returned by the zone lookup. Default "SBX01".
	ZoneName string
	// CI is the database id returned by the zone lookup. Default 900001.
	CI int64
	// WebURL is the zone lookup's webUrl. Default derived from the request host.
	WebURL string
	// HourlyThreshold is the number of authenticated requests allowed within
	// ThresholdWindow. Default 10000 (ref §6).
	HourlyThreshold int
	// ThresholdWindow is the rolling window of the threshold. Default 60m.
	ThresholdWindow time.Duration
	// ThreadLimit is the maximum number of concurrent in-flight requests per
	// (integration code, endpoint). Default 3. Negative disables the limit.
	ThreadLimit int
	// ThreadLimitStatus is the status of a thread-limit rejection.
	// INFERRED (ref §6): default 500 with the Itgenatr005 text.
	ThreadLimitStatus int
	// UsageLatency adds ~0.5s per request above 50% and ~1s above 75% of the
	// threshold. INFERRED (ref §6).
	UsageLatency bool
	// RequestDelay, when set, is awaited by every authenticated entity request
	// while it holds its thread slot. It exists so tests (and the sandbox's
	// latency knobs) can make handlers slow; the delay is cancelled when the
	// client goes away.
	RequestDelay time.Duration
}

// ConfigOverrides are the optional fixture "settings" that override Config.
type ConfigOverrides struct {
	ZoneName          *string `json:"zoneName,omitempty"`
	CI                *int64  `json:"ci,omitempty"`
	WebURL            *string `json:"webUrl,omitempty"`
	HourlyThreshold   *int    `json:"hourlyThreshold,omitempty"`
	ThresholdMinutes  *int    `json:"thresholdMinutes,omitempty"`
	ThreadLimit       *int    `json:"threadLimit,omitempty"`
	ThreadLimitStatus *int    `json:"threadLimitStatus,omitempty"`
	UsageLatency      *bool   `json:"usageLatency,omitempty"`
	// Behaviour settings (behaviour.go).
	TimeZone                      *string `json:"timeZone,omitempty"`
	DateFilters                   *string `json:"dateFilters,omitempty"`
	UnitsWithoutContractServiceID *bool   `json:"unitsWithoutContractServiceID,omitempty"`
	NotesTextOnly                 *bool   `json:"notesTextOnly,omitempty"`
	UnitRows                      *string `json:"unitRows,omitempty"`
	UnitRowsDaysAhead             *int    `json:"unitRowsDaysAhead,omitempty"`
	PeriodAnchor                  *string `json:"periodAnchor,omitempty"`
	MonthEnd                      *string `json:"monthEnd,omitempty"`
	NotesCreatorOnly              *bool   `json:"notesCreatorOnly,omitempty"`
}

// Fixture is the initial data of the emulated Autotask database. Entities use
// the real Autotask camelCase field names.
type Fixture struct {
	APIUsers  []APIUser        `json:"apiUsers"`
	Companies []map[string]any `json:"companies"`
	Services  []map[string]any `json:"services"`
	// Contracts' startDate/endDate may be relative ("today+30d", see
	// simtime.ParseDate).
	Contracts []map[string]any `json:"contracts"`
	// ContractServices may carry an extra "units" (initial units from the
	// contract start); it is not an Autotask field and seeds
	// ContractServiceUnits.
	ContractServices []map[string]any `json:"contractServices"`
	// TicketPicklists has keys "queueID", "status" and "priority".
	TicketPicklists map[string][]PicklistValue `json:"ticketPicklists"`
	// Settings optionally overrides Config.
	Settings *ConfigOverrides `json:"settings,omitempty"`
	// PostedPeriods approve and post contract periods (billing.go).
	PostedPeriods []PostedPeriods `json:"postedPeriods,omitempty"`
}

// Security levels understood by the emulator.
const (
	SecurityLevelAPISystem = "API User (system)"
	SecurityLevelAPICustom = "API User (custom)"
)

// APIUser is an Autotask API-only resource.
type APIUser struct {
	UserName        string `json:"userName"`
	Secret          string `json:"secret"`
	IntegrationCode string `json:"integrationCode"`
	// Active defaults to true; inactive users get 401 on authenticated calls.
	Active *bool `json:"active"`
	// SecurityLevel is "API User (system)" (full access), "API User (custom)"
	// (uses Permissions) or a non-API level such as "Administrator" (passes
	// the zone lookup, 401 elsewhere). Empty means "API User (system)".
	SecurityLevel string `json:"securityLevel"`
	// Permissions maps a plural entity name (e.g. "Contracts") to access;
	// a missing entity under a custom level means None.
	Permissions map[string]EntityPermission `json:"permissions"`
	// MissingPermissionStatus is how a denied call is answered: 500 with
	// Autotask's "adequate permissions" text (default), or 401 with an empty
	// body, as the seed describes for billing sync requests.
	MissingPermissionStatus int `json:"missingPermissionStatus,omitempty"`
	// CompanyScope, for entities the user may query with "Restricted"
	// access, lists the companies whose rows the user sees; other rows are
	// silently omitted (scope.go). Empty means no restriction by company.
	CompanyScope []int64 `json:"companyScope,omitempty"`
}

// Access levels of EntityPermission.
const (
	AccessAll        = "All"
	AccessRestricted = "Restricted"
	AccessNone       = "None"
)

// EntityPermission is a security-level row: "All", "Restricted" or "None"
// per operation.
type EntityPermission struct {
	Query  string `json:"query"`
	Create string `json:"create"`
	Update string `json:"update"`
	Delete string `json:"delete"`
}

// PicklistValue is one picklist entry; Value is a string as on the wire.
type PicklistValue struct {
	Value          string `json:"value"`
	Label          string `json:"label"`
	IsActive       bool   `json:"isActive"`
	IsDefaultValue bool   `json:"isDefaultValue"`
	SortOrder      int    `json:"sortOrder"`
	IsSystem       bool   `json:"isSystem"`
}

// Stats reports the limit counters since the last ResetStats.
type Stats struct {
	// MaxInFlight is the highest concurrent in-flight count per thread key
	// ("integrationcode|endpoint").
	MaxInFlight map[string]int
	// ThreadRejections counts requests rejected by the thread limit.
	ThreadRejections int
	// ThresholdRejections counts requests rejected with 429.
	ThresholdRejections int
	// RequestsInWindow is the number of requests inside the current
	// threshold window.
	RequestsInWindow int
}
