package autotask

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Access is the calling user's access level to an entity operation, from
// entityInformation's userAccessFor* (ref §7.0).
type Access int

// Access levels: 0 None, 1 All, 2 Restricted (VERIFIED official).
const (
	AccessNone       Access = 0
	AccessAll        Access = 1
	AccessRestricted Access = 2
)

// String returns "None", "All" or "Restricted".
func (a Access) String() string {
	switch a {
	case AccessNone:
		return "None"
	case AccessAll:
		return "All"
	case AccessRestricted:
		return "Restricted"
	}
	return "Access(" + strconv.Itoa(int(a)) + ")"
}

// UnmarshalJSON accepts both wire encodings seen for userAccessFor*: the
// names "None"/"All"/"Restricted" and the numbers 0/1/2 (NOT VERIFIED which
// one Autotask sends, ref §7.0). null means None.
func (a *Access) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		*a = AccessNone
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "none", "0":
		*a = AccessNone
	case "all", "1":
		*a = AccessAll
	case "restricted", "2":
		*a = AccessRestricted
	default:
		return fmt.Errorf("unknown Autotask access level %s (expected None, All, Restricted or 0, 1, 2)", shorten(string(b), 40))
	}
	return nil
}

// MarshalJSON writes the name form.
func (a Access) MarshalJSON() ([]byte, error) { return json.Marshal(a.String()) }

// EntityInfo is GET /V1.0/{Entity}/entityInformation's "info" (ref §7.0).
type EntityInfo struct {
	Name                    string `json:"name"`
	CanCreate               bool   `json:"canCreate"`
	CanDelete               bool   `json:"canDelete"`
	CanQuery                bool   `json:"canQuery"`
	CanUpdate               bool   `json:"canUpdate"`
	UserAccessForCreate     Access `json:"userAccessForCreate"`
	UserAccessForDelete     Access `json:"userAccessForDelete"`
	UserAccessForQuery      Access `json:"userAccessForQuery"`
	UserAccessForUpdate     Access `json:"userAccessForUpdate"`
	HasUserDefinedFields    bool   `json:"hasUserDefinedFields"`
	SupportsWebhookCallouts bool   `json:"supportsWebhookCallouts"`
}

// Field is one row of GET /V1.0/{Entity}/entityInformation/fields (ref §7.0).
type Field struct {
	Name                     string          `json:"name"`
	DataType                 string          `json:"dataType"`
	Length                   int             `json:"length"`
	IsRequired               bool            `json:"isRequired"`
	IsReadOnly               bool            `json:"isReadOnly"`
	IsQueryable              bool            `json:"isQueryable"`
	IsReference              bool            `json:"isReference"`
	ReferenceEntityType      string          `json:"referenceEntityType"`
	IsPickList               bool            `json:"isPickList"`
	PicklistValues           []PicklistValue `json:"picklistValues"`
	PicklistParentValueField string          `json:"picklistParentValueField"`
	IsSupportedWebhookField  bool            `json:"isSupportedWebhookField"`
}

// PicklistValue is one picklist entry. Value is a string even for integer
// fields (ref §7.0, VERIFIED); numbers are accepted and kept as text.
type PicklistValue struct {
	Value          string `json:"value"`
	Label          string `json:"label"`
	IsDefaultValue bool   `json:"isDefaultValue"`
	SortOrder      int    `json:"sortOrder"`
	ParentValue    string `json:"parentValue"`
	IsActive       bool   `json:"isActive"`
	IsSystem       bool   `json:"isSystem"`
}

// UnmarshalJSON reads value and parentValue as strings whether they arrive
// as strings, numbers or null.
func (p *PicklistValue) UnmarshalJSON(b []byte) error {
	type plain PicklistValue
	var raw struct {
		plain
		Value       json.RawMessage `json:"value"`
		ParentValue json.RawMessage `json:"parentValue"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*p = PicklistValue(raw.plain)
	var err error
	if p.Value, err = looseString(raw.Value); err != nil {
		return fmt.Errorf("picklist value: %w", err)
	}
	if p.ParentValue, err = looseString(raw.ParentValue); err != nil {
		return fmt.Errorf("picklist parentValue: %w", err)
	}
	return nil
}

// looseString reads a JSON string, number or null as text.
func looseString(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", fmt.Errorf("expected a string or number, got %s", shorten(string(raw), 40))
	}
	return n.String(), nil
}

// FindField returns the field named name, compared case-insensitively
// (older responses used PascalCase names).
func FindField(fields []Field, name string) (Field, bool) {
	for _, f := range fields {
		if strings.EqualFold(f.Name, name) {
			return f, true
		}
	}
	return Field{}, false
}

// PicklistByValue returns the picklist entry whose value is v.
func (f Field) PicklistByValue(v string) (PicklistValue, bool) {
	for _, p := range f.PicklistValues {
		if p.Value == v {
			return p, true
		}
	}
	return PicklistValue{}, false
}

// PicklistByLabel returns the picklist entry whose label equals label,
// ignoring case and surrounding spaces.
func (f Field) PicklistByLabel(label string) (PicklistValue, bool) {
	label = strings.TrimSpace(label)
	for _, p := range f.PicklistValues {
		if strings.EqualFold(strings.TrimSpace(p.Label), label) {
			return p, true
		}
	}
	return PicklistValue{}, false
}

// Threshold is GET /V1.0/ThresholdInformation (ref §6).
type Threshold struct {
	ExternalRequestThreshold     int64 `json:"externalRequestThreshold"`
	RequestThresholdTimeframe    int64 `json:"requestThresholdTimeframe"`
	CurrentTimeframeRequestCount int64 `json:"currentTimeframeRequestCount"`
}

// EntityInformation returns the entity's capabilities and the user's access
// levels. It is fetched once per entity per Client; concurrent callers share
// one request. Errors are not cached.
func (c *Client) EntityInformation(ctx context.Context, entity string) (EntityInfo, error) {
	if err := checkEntity(entity); err != nil {
		return EntityInfo{}, err
	}
	key := strings.ToLower(entity)
	c.metaMu.Lock()
	info, ok := c.infoCache[key]
	c.metaMu.Unlock()
	if ok {
		return info, nil
	}
	v, err := shared(ctx, &c.metaGroup, "info:"+key, func(ctx context.Context) (any, error) {
		resp, err := c.do(ctx, request{method: http.MethodGet, read: true, auth: true, entity: entity, op: OpQuery},
			entity+"/entityInformation")
		if err != nil {
			return nil, err
		}
		var env struct {
			Info *EntityInfo `json:"info"`
		}
		if err := decodeBody(resp, &env); err != nil {
			return nil, err
		}
		if env.Info == nil {
			return nil, fmt.Errorf("Autotask's %s entityInformation answer has no \"info\"", entity)
		}
		c.metaMu.Lock()
		c.infoCache[key] = *env.Info
		c.metaMu.Unlock()
		return *env.Info, nil
	})
	if err != nil {
		return EntityInfo{}, err
	}
	info, _ = v.(EntityInfo)
	return info, nil
}

// Fields returns the entity's field metadata including picklists. It is
// fetched once per entity per Client; concurrent callers share one request.
// The returned slice is the caller's own copy.
func (c *Client) Fields(ctx context.Context, entity string) ([]Field, error) {
	if err := checkEntity(entity); err != nil {
		return nil, err
	}
	key := strings.ToLower(entity)
	c.metaMu.Lock()
	fields, ok := c.fieldCache[key]
	c.metaMu.Unlock()
	if ok {
		return copyFields(fields), nil
	}
	v, err := shared(ctx, &c.metaGroup, "fields:"+key, func(ctx context.Context) (any, error) {
		resp, err := c.do(ctx, request{method: http.MethodGet, read: true, auth: true, entity: entity, op: OpQuery},
			entity+"/entityInformation/fields")
		if err != nil {
			return nil, err
		}
		var env struct {
			Fields *[]Field `json:"fields"`
		}
		if err := decodeBody(resp, &env); err != nil {
			return nil, err
		}
		if env.Fields == nil {
			return nil, fmt.Errorf("Autotask's %s entityInformation/fields answer has no \"fields\"", entity)
		}
		c.metaMu.Lock()
		c.fieldCache[key] = *env.Fields
		c.metaMu.Unlock()
		return *env.Fields, nil
	})
	if err != nil {
		return nil, err
	}
	fields, _ = v.([]Field)
	return copyFields(fields), nil
}

func copyFields(in []Field) []Field {
	out := make([]Field, len(in))
	for i, f := range in {
		f.PicklistValues = append([]PicklistValue(nil), f.PicklistValues...)
		out[i] = f
	}
	return out
}

// ThresholdInformation returns the database's request budget and current
// usage (the call itself counts against it).
func (c *Client) ThresholdInformation(ctx context.Context) (Threshold, error) {
	resp, err := c.do(ctx, request{method: http.MethodGet, read: true, auth: true, entity: "ThresholdInformation", op: OpQuery},
		"ThresholdInformation")
	if err != nil {
		return Threshold{}, err
	}
	var t Threshold
	if err := decodeBody(resp, &t); err != nil {
		return Threshold{}, err
	}
	// A caller's read (the connection check at the start of a run) tells the
	// budget guard where the hour stands, for free.
	if info, err := decodeThresholdInformation(resp.body); err == nil {
		c.observeBudget(info)
	}
	return t, nil
}
