package autotasksim

import "strings"

// Autotask field data types as reported by entityInformation/fields (ref §7.0).
const (
	typeString   = "string"
	typeInteger  = "integer"
	typeLong     = "long"
	typeShort    = "short"
	typeBoolean  = "boolean"
	typeDateTime = "datetime"
	typeDecimal  = "decimal"
	typeDouble   = "double"
)

// fieldDef describes one entity field.
type fieldDef struct {
	Name     string
	DataType string
	Length   int
	Required bool
	// ReadOnly fields are set by the emulator and ignored in request bodies.
	ReadOnly bool
	// CreateOnly fields may be set on create but are ignored on update.
	CreateOnly bool
	// RefEntity is the singular name of the referenced entity ("" when none).
	RefEntity string
	// Picklist names a picklist resolved by Server.picklist ("" when none).
	Picklist string
}

// entityDef describes an entity: its path name, singular name, fields and
// what the API supports for it (ref §3 table, §7).
type entityDef struct {
	Plural, Singular string
	Fields           []*fieldDef
	byLower          map[string]*fieldDef
	CanCreate        bool
	CanUpdate        bool
	CanQuery         bool
	HasUDFs          bool
	Webhooks         bool
	// IDBase is the first id handed out, so ids look like real tenant ids.
	IDBase int64
}

func (e *entityDef) field(name string) *fieldDef { return e.byLower[strings.ToLower(name)] }

// Entity path names.
const (
	entCompanies        = "Companies"
	entContracts        = "Contracts"
	entServices         = "Services"
	entContractServices = "ContractServices"
	entUnits            = "ContractServiceUnits"
	entAdjustments      = "ContractServiceAdjustments"
	entTickets          = "Tickets"
)

// Picklist names.
const (
	plCompanyType    = "companyType"
	plContractType   = "contractType"
	plContractStatus = "contractStatus"
	plPeriodType     = "periodType"
	plTicketQueue    = "queueID"
	plTicketStatus   = "status"
	plTicketPriority = "priority"
)

// Contract types (ref §7.2). 7 = Recurring Service is VERIFIED.
const contractTypeRecurring = 7

// Period type codes shared by Contracts.contractPeriodType and
// Services.periodType, as seen in live records: 2 Monthly and 5 Yearly
// (issue 11). 3 Quarterly and 4 Semi-Annual are INFERRED to lie between
// (ref §7.2, §7.4, §13); clients must read labels from
// entityInformation/fields, never trust codes.
const (
	periodMonthly    = 2
	periodQuarterly  = 3
	periodSemiAnnual = 4
	periodYearly     = 5
)

// periodMonths maps a period type code to its length in months.
var periodMonths = map[int64]int{periodMonthly: 1, periodQuarterly: 3, periodSemiAnnual: 6, periodYearly: 12}

func pl(v, label string, def bool, order int, system bool) PicklistValue {
	return PicklistValue{Value: v, Label: label, IsActive: true, IsDefaultValue: def, SortOrder: order, IsSystem: system}
}

// staticPicklists are the non-ticket picklists (ref §7.1, §7.2). Codes tagged
// INFERRED in the reference are marked here too.
var staticPicklists = map[string][]PicklistValue{
	plCompanyType: {
		pl("1", "Customer", true, 1, true),
		pl("2", "Lead", false, 2, true), // INFERRED (ref §7.1)
		pl("3", "Prospect", false, 3, true),
		pl("4", "Dead", false, 4, true),         // INFERRED (ref §7.1)
		pl("6", "Cancellation", false, 6, true), // INFERRED (ref §7.1)
		pl("7", "Vendor", false, 7, true),
		pl("8", "Partner", false, 8, true), // INFERRED (ref §7.1)
	},
	plContractType: {
		pl("1", "Time & Materials", false, 1, true),
		pl("3", "Fixed Price", false, 3, true),
		pl("4", "Block Hours", false, 4, true),
		pl("6", "Retainer", false, 6, true),
		pl("7", "Recurring Service", false, 7, true),
		pl("8", "Per Ticket", false, 8, true),
	},
	plContractStatus: {
		pl("0", "Inactive", false, 0, true),
		pl("1", "Active", true, 1, true),
	},
	// Codes of the billing period picklists: 2 Monthly and 5 Yearly seen
	// in live records, 3 and 4 INFERRED (ref §7.2, §7.4).
	plPeriodType: {
		pl("2", "Monthly", true, 1, true),
		pl("3", "Quarterly", false, 2, true),
		pl("4", "Semi-Annual", false, 3, true),
		pl("5", "Yearly", false, 4, true),
	},
}

// defaultTicketPicklists are used when the fixture gives none (ref §7.7;
// priority codes INFERRED there).
var defaultTicketPicklists = map[string][]PicklistValue{
	plTicketQueue: {
		pl("5", "Client Portal", false, 1, true),
		pl("6", "Post Sale", false, 2, true),
		pl("8", "Monitoring Alert", false, 3, true),
	},
	plTicketStatus: {
		pl("1", "New", true, 1, true),
		pl("5", "Complete", false, 2, true),
		pl("7", "Waiting Customer", false, 3, true),
		pl("8", "In Progress", false, 4, false),
	},
	plTicketPriority: {
		pl("1", "High", false, 1, false),
		pl("2", "Medium", true, 2, false),
		pl("3", "Low", false, 3, false),
		pl("4", "Critical", false, 4, false),
	},
}

func idField() *fieldDef {
	return &fieldDef{Name: "id", DataType: typeLong, ReadOnly: true}
}

func str(name string, length int) *fieldDef {
	return &fieldDef{Name: name, DataType: typeString, Length: length}
}

func typed(name, dataType string) *fieldDef { return &fieldDef{Name: name, DataType: dataType} }

func req(f *fieldDef) *fieldDef        { f.Required = true; return f }
func ro(f *fieldDef) *fieldDef         { f.ReadOnly = true; return f }
func createOnly(f *fieldDef) *fieldDef { f.CreateOnly = true; return f }
func ref(f *fieldDef, entity string) *fieldDef {
	f.RefEntity = entity
	return f
}
func pick(f *fieldDef, list string) *fieldDef { f.Picklist = list; return f }

// buildEntities returns the served entities keyed by lower-case plural name.
func buildEntities() map[string]*entityDef {
	defs := []*entityDef{
		{
			Plural: entCompanies, Singular: "Company", CanCreate: true, CanUpdate: true, CanQuery: true,
			HasUDFs: true, Webhooks: true, IDBase: 29680000,
			Fields: []*fieldDef{
				idField(),
				req(str("companyName", 100)),
				req(pick(typed("companyType", typeShort), plCompanyType)),
				req(str("phone", 25)),
				req(typed("ownerResourceID", typeInteger)),
				typed("isActive", typeBoolean),
				str("companyNumber", 50),
				ref(typed("parentCompanyID", typeInteger), "Company"),
				typed("classification", typeInteger),
				typed("companyCategoryID", typeInteger),
				str("address1", 128),
				str("address2", 128),
				str("city", 30),
				str("state", 25),
				str("postalCode", 10),
				typed("countryID", typeInteger),
				str("webAddress", 255),
				str("fax", 25),
				str("taxID", 50),
				ro(typed("apiVendorID", typeInteger)),
				ro(typed("createDate", typeDateTime)),
				ro(typed("lastActivityDate", typeDateTime)),
				ro(typed("lastTrackedModifiedDateTime", typeDateTime)),
			},
		},
		{
			Plural: entContracts, Singular: "Contract", CanCreate: true, CanUpdate: true, CanQuery: true,
			HasUDFs: true, IDBase: 29700000,
			Fields: []*fieldDef{
				idField(),
				req(ref(typed("companyID", typeInteger), "Company")),
				req(str("contractName", 100)),
				// INFERRED (ref §7.2): the type is fixed after create here.
				req(createOnly(pick(typed("contractType", typeInteger), plContractType))),
				req(pick(typed("status", typeInteger), plContractStatus)),
				req(typed("startDate", typeDateTime)),
				req(typed("endDate", typeDateTime)),
				// Read-only after create, settable on create (ref §7.2).
				createOnly(pick(typed("contractPeriodType", typeInteger), plPeriodType)),
				typed("timeReportingRequiresStartAndStopTimes", typeInteger),
				typed("contractCategory", typeInteger),
				typed("billingPreference", typeInteger),
				str("contractNumber", 50),
				ref(typed("contactID", typeInteger), "Contact"),
				typed("serviceLevelAgreementID", typeInteger),
				typed("setupFee", typeDecimal),
				typed("estimatedCost", typeDecimal),
				typed("estimatedHours", typeDecimal),
				typed("estimatedRevenue", typeDecimal),
				typed("exclusionContractID", typeInteger),
				typed("isDefaultContract", typeBoolean),
				typed("renewedContractID", typeInteger),
				str("purchaseOrderNumber", 50),
				str("description", 2000),
				typed("organizationalLevelAssociationID", typeInteger),
				ro(typed("lastModifiedDateTime", typeDateTime)),
			},
		},
		{
			Plural: entServices, Singular: "Service", CanCreate: true, CanUpdate: true, CanQuery: true,
			IDBase: 29720000,
			Fields: []*fieldDef{
				idField(),
				req(str("name", 150)),
				req(typed("unitPrice", typeDecimal)),
				req(pick(typed("periodType", typeInteger), plPeriodType)),
				req(typed("billingCodeID", typeInteger)),
				typed("isActive", typeBoolean),
				typed("unitCost", typeDecimal),
				typed("markupRate", typeDecimal),
				str("description", 400),
				str("invoiceDescription", 1000),
				typed("serviceLevelAgreementID", typeInteger),
				ref(typed("vendorCompanyID", typeInteger), "Company"),
				ro(typed("createDate", typeDateTime)),
				ro(typed("lastModifiedDate", typeDateTime)),
				ro(typed("creatorResourceID", typeInteger)),
				ro(typed("updateResourceID", typeInteger)),
			},
		},
		{
			// Writes only through /Contracts/{id}/Services; on update only the
			// price and invoice description change (ref §7.3).
			Plural: entContractServices, Singular: "ContractService", CanCreate: true, CanUpdate: true, CanQuery: true,
			HasUDFs: true, IDBase: 29740000,
			Fields: []*fieldDef{
				idField(),
				req(createOnly(ref(typed("contractID", typeInteger), "Contract"))),
				req(createOnly(ref(typed("serviceID", typeInteger), "Service"))),
				typed("unitPrice", typeDouble),
				createOnly(typed("unitCost", typeDouble)),
				ro(typed("internalCurrencyUnitPrice", typeDouble)),
				ro(typed("internalCurrencyAdjustedPrice", typeDouble)),
				str("invoiceDescription", 1000),
				createOnly(str("internalDescription", 100)),
				createOnly(typed("quoteItemID", typeLong)),
			},
		},
		{
			Plural: entUnits, Singular: "ContractServiceUnit", CanQuery: true, IDBase: 29760000,
			Fields: []*fieldDef{
				idField(),
				req(ro(ref(typed("contractID", typeInteger), "Contract"))),
				ro(ref(typed("contractServiceID", typeInteger), "ContractService")),
				req(ro(ref(typed("serviceID", typeInteger), "Service"))),
				req(ro(typed("startDate", typeDateTime))),
				req(ro(typed("endDate", typeDateTime))),
				req(ro(typed("units", typeInteger))),
				ro(typed("price", typeDouble)),
				ro(typed("cost", typeDouble)),
				ro(typed("internalCurrencyPrice", typeDouble)),
				ro(typed("approveAndPostDate", typeDateTime)),
				ro(typed("organizationalLevelAssociationID", typeInteger)),
				ro(ref(typed("vendorCompanyID", typeInteger), "Company")),
			},
		},
		{
			Plural: entAdjustments, Singular: "ContractServiceAdjustment", CanCreate: true, IDBase: 29780000,
			Fields: []*fieldDef{
				idField(),
				ref(typed("contractID", typeInteger), "Contract"),
				ref(typed("contractServiceID", typeInteger), "ContractService"),
				ref(typed("serviceID", typeInteger), "Service"),
				req(typed("effectiveDate", typeDateTime)),
				typed("unitChange", typeInteger),
				typed("adjustedUnitPrice", typeDouble),
				typed("adjustedUnitCost", typeDouble),
				typed("allowRepeatService", typeBoolean),
				typed("quoteItemID", typeLong),
			},
		},
		{
			Plural: entTickets, Singular: "Ticket", CanCreate: true, CanUpdate: true, CanQuery: true,
			HasUDFs: true, Webhooks: true, IDBase: 29800000,
			Fields: []*fieldDef{
				idField(),
				req(str("title", 255)),
				req(ref(typed("companyID", typeInteger), "Company")),
				req(pick(typed("status", typeInteger), plTicketStatus)),
				req(pick(typed("priority", typeInteger), plTicketPriority)),
				pick(typed("queueID", typeInteger), plTicketQueue),
				str("description", 8000),
				ref(typed("contractID", typeInteger), "Contract"),
				typed("assignedResourceID", typeInteger),
				typed("assignedResourceRoleID", typeInteger),
				typed("ticketType", typeInteger),
				typed("ticketCategory", typeInteger),
				typed("source", typeInteger),
				typed("issueType", typeInteger),
				typed("subIssueType", typeInteger),
				typed("dueDateTime", typeDateTime),
				ro(str("ticketNumber", 50)),
				ro(typed("createDate", typeDateTime)),
				ro(typed("lastActivityDate", typeDateTime)),
			},
		},
	}
	defs = append(defs, contractNotesDef())
	out := make(map[string]*entityDef, len(defs))
	for _, d := range defs {
		d.byLower = make(map[string]*fieldDef, len(d.Fields))
		for _, f := range d.Fields {
			d.byLower[strings.ToLower(f.Name)] = f
		}
		out[strings.ToLower(d.Plural)] = d
	}
	return out
}

func lower(s string) string { return strings.ToLower(s) }
