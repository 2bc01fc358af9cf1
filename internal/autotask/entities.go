package autotask

// Entity names as they appear in URLs (plural, ref §3).
const (
	EntityCompanies                  = "Companies"
	EntityContracts                  = "Contracts"
	EntityServices                   = "Services"
	EntityContractServices           = "ContractServices"
	EntityContractServiceUnits       = "ContractServiceUnits"
	EntityContractServiceAdjustments = "ContractServiceAdjustments"
	EntityTickets                    = "Tickets"
	// ChildServices and ChildServiceAdjustments are child routes under
	// Contracts: /V1.0/Contracts/{id}/Services and .../ServiceAdjustments.
	ChildServices           = "Services"
	ChildServiceAdjustments = "ServiceAdjustments"
	ChildServiceUnits       = "ServiceUnits"
)

// Contract types (ref §7.2). Recurring Service is VERIFIED official; the
// others VERIFIED 3rd-party.
const (
	ContractTypeTimeAndMaterials = 1
	ContractTypeFixedPrice       = 3
	ContractTypeBlockHours       = 4
	ContractTypeRetainer         = 6
	ContractTypeRecurringService = 7
	ContractTypePerTicket        = 8
)

// Contract statuses (ref §7.2, VERIFIED 3rd-party).
const (
	ContractStatusInactive = 0
	ContractStatusActive   = 1
)

// Company types (ref §7.1). Customer, Prospect and Vendor are VERIFIED.
const (
	CompanyTypeCustomer = 1
	CompanyTypeProspect = 3
	CompanyTypeVendor   = 7
	// INFERRED (ref §7.1): codes of the non-official company types.
	CompanyTypeLead         = 2
	CompanyTypeDead         = 4
	CompanyTypeCancellation = 6
	CompanyTypePartner      = 8
)

// UserDefinedField is one entry of an entity's userDefinedFields; values are
// strings even for numbers (ref §5).
type UserDefinedField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Company is an Autotask Companies record (ref §7.1). Zero-valued optional
// fields are left out of create bodies; IsActive is always sent. For partial
// updates (PATCH) pass a map with only the fields to change.
type Company struct {
	ID                int64              `json:"id,omitempty"`
	CompanyName       string             `json:"companyName,omitempty"`
	CompanyType       int                `json:"companyType,omitempty"`
	IsActive          bool               `json:"isActive"`
	Phone             string             `json:"phone,omitempty"`
	OwnerResourceID   int64              `json:"ownerResourceID,omitempty"`
	CompanyNumber     string             `json:"companyNumber,omitempty"`
	ParentCompanyID   int64              `json:"parentCompanyID,omitempty"`
	WebAddress        string             `json:"webAddress,omitempty"`
	CreateDate        Time               `json:"createDate,omitzero"`
	LastActivityDate  Time               `json:"lastActivityDate,omitzero"`
	UserDefinedFields []UserDefinedField `json:"userDefinedFields,omitempty"`
}

// Contract is an Autotask Contracts record (ref §7.2). Status and
// TimeReportingRequiresStartAndStopTimes are always sent (0 is meaningful).
type Contract struct {
	ID                                     int64              `json:"id,omitempty"`
	CompanyID                              int64              `json:"companyID,omitempty"`
	ContractName                           string             `json:"contractName,omitempty"`
	ContractType                           int                `json:"contractType,omitempty"`
	Status                                 int                `json:"status"`
	StartDate                              Time               `json:"startDate,omitzero"`
	EndDate                                Time               `json:"endDate,omitzero"`
	ContractPeriodType                     int                `json:"contractPeriodType,omitempty"`
	ContractCategory                       int                `json:"contractCategory,omitempty"`
	ContractNumber                         string             `json:"contractNumber,omitempty"`
	Description                            string             `json:"description,omitempty"`
	ContactID                              int64              `json:"contactID,omitempty"`
	BillingPreference                      int                `json:"billingPreference,omitempty"`
	ServiceLevelAgreementID                int64              `json:"serviceLevelAgreementID,omitempty"`
	SetupFee                               float64            `json:"setupFee,omitempty"`
	IsDefaultContract                      bool               `json:"isDefaultContract,omitempty"`
	PurchaseOrderNumber                    string             `json:"purchaseOrderNumber,omitempty"`
	TimeReportingRequiresStartAndStopTimes int                `json:"timeReportingRequiresStartAndStopTimes"`
	UserDefinedFields                      []UserDefinedField `json:"userDefinedFields,omitempty"`
}

// Service is an Autotask Services record (ref §7.4).
type Service struct {
	ID                 int64   `json:"id,omitempty"`
	Name               string  `json:"name,omitempty"`
	Description        string  `json:"description,omitempty"`
	InvoiceDescription string  `json:"invoiceDescription,omitempty"`
	UnitPrice          float64 `json:"unitPrice"`
	UnitCost           float64 `json:"unitCost,omitempty"`
	PeriodType         int     `json:"periodType,omitempty"`
	BillingCodeID      int64   `json:"billingCodeID,omitempty"`
	IsActive           bool    `json:"isActive"`
	VendorCompanyID    int64   `json:"vendorCompanyID,omitempty"`
}

// ContractService is a service line on a recurring contract (ref §7.3). It
// has no units field: units live in ContractServiceUnits.
type ContractService struct {
	ID                  int64   `json:"id,omitempty"`
	ContractID          int64   `json:"contractID,omitempty"`
	ServiceID           int64   `json:"serviceID,omitempty"`
	UnitPrice           float64 `json:"unitPrice"`
	UnitCost            float64 `json:"unitCost,omitempty"`
	InvoiceDescription  string  `json:"invoiceDescription,omitempty"`
	InternalDescription string  `json:"internalDescription,omitempty"`
	QuoteItemID         int64   `json:"quoteItemID,omitempty"`
}

// ContractServiceUnit is one billing-period row of a contract service's
// unit count (ref §7.5); read-only.
type ContractServiceUnit struct {
	ID                 int64   `json:"id"`
	ContractID         int64   `json:"contractID"`
	ContractServiceID  int64   `json:"contractServiceID"`
	ServiceID          int64   `json:"serviceID"`
	StartDate          Time    `json:"startDate"`
	EndDate            Time    `json:"endDate"`
	Units              int32   `json:"units"`
	Price              float64 `json:"price"`
	Cost               float64 `json:"cost"`
	ApproveAndPostDate Time    `json:"approveAndPostDate"`
	VendorCompanyID    int64   `json:"vendorCompanyID,omitempty"`
}

// ContractServiceAdjustment changes a contract service's unit count from an
// effective date (ref §7.6); create-only. Give ContractServiceID, or
// ContractID and ServiceID.
type ContractServiceAdjustment struct {
	ID                 int64    `json:"id,omitempty"`
	ContractID         int64    `json:"contractID,omitempty"`
	ContractServiceID  int64    `json:"contractServiceID,omitempty"`
	ServiceID          int64    `json:"serviceID,omitempty"`
	EffectiveDate      Time     `json:"effectiveDate"`
	UnitChange         int32    `json:"unitChange"`
	AdjustedUnitPrice  *float64 `json:"adjustedUnitPrice,omitempty"`
	AdjustedUnitCost   *float64 `json:"adjustedUnitCost,omitempty"`
	AllowRepeatService *bool    `json:"allowRepeatService,omitempty"`
	QuoteItemID        int64    `json:"quoteItemID,omitempty"`
}

// Ticket is a minimal Autotask Tickets record (ref §7.7).
type Ticket struct {
	ID           int64  `json:"id,omitempty"`
	TicketNumber string `json:"ticketNumber,omitempty"`
	Title        string `json:"title,omitempty"`
	Description  string `json:"description,omitempty"`
	CompanyID    int64  `json:"companyID,omitempty"`
	ContractID   int64  `json:"contractID,omitempty"`
	QueueID      int64  `json:"queueID,omitempty"`
	Status       int    `json:"status,omitempty"`
	Priority     int    `json:"priority,omitempty"`
	IssueType    int    `json:"issueType,omitempty"`
	SubIssueType int    `json:"subIssueType,omitempty"`
	TicketType   int    `json:"ticketType,omitempty"`
	Source       int    `json:"source,omitempty"`
	DueDateTime  Time   `json:"dueDateTime,omitzero"`
	CreateDate   Time   `json:"createDate,omitzero"`
}
