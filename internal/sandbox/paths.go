package sandbox

import (
	"strconv"
	"strings"
)

// Mount points of the sandbox listener.
const (
	// AdminPrefix is the admin API's path prefix.
	AdminPrefix = "/_sandbox"
	// PetraPrefix is where the Petra emulator is mounted.
	PetraPrefix = "/petra"
	// AutotaskZoneLookupPath is the zone-lookup base (clients append v1.0/zoneInformation).
	AutotaskZoneLookupPath = "/atservicesrest/"
	// AutotaskBasePath is the zone URL the zone lookup returns.
	AutotaskBasePath = "/ATServicesRest/"
)

// Endpoints are the URLs of one running sandbox.
type Endpoints struct {
	BaseURL               string `json:"baseUrl"`
	AutotaskZoneLookupURL string `json:"autotaskZoneLookupUrl"`
	AutotaskBaseURL       string `json:"autotaskBaseUrl"`
	PetraBaseURL          string `json:"petraBaseUrl"`
	AdminURL              string `json:"adminUrl"`
}

// EndpointsFor derives every URL from the listener's base URL
// ("http://127.0.0.1:8089").
func EndpointsFor(base string) Endpoints {
	base = strings.TrimRight(base, "/")
	return Endpoints{
		BaseURL:               base,
		AutotaskZoneLookupURL: base + AutotaskZoneLookupPath,
		AutotaskBaseURL:       base + AutotaskBasePath,
		PetraBaseURL:          base + PetraPrefix,
		AdminURL:              base + AdminPrefix,
	}
}

// canonicalSegments gives path templates a stable spelling: Autotask routes
// are case-insensitive, so "/atservicesrest/v1.0/companies" and
// "/ATServicesRest/V1.0/Companies" count as one route.
var canonicalSegments = func() map[string]string {
	m := map[string]string{}
	for _, s := range []string{
		"ATServicesRest", "V1.0", "ZoneInformation", "VersionInformation", "Version",
		"ThresholdInformation", "Companies", "Contracts", "Services", "ContractServices",
		"ContractServiceUnits", "ContractServiceAdjustments", "Tickets", "ServiceUnits",
		"ServiceAdjustments", "query", "count", "next", "entityInformation", "fields",
		"userDefinedFields", "ContractNotes", "Notes",
	} {
		m[strings.ToLower(s)] = s
	}
	return m
}()

// childEntities maps Contracts child routes to the entity they address.
var childEntities = map[string]string{
	"services":           "ContractServices",
	"serviceunits":       "ContractServiceUnits",
	"serviceadjustments": "ContractServiceAdjustments",
	"notes":              "ContractNotes",
}

// routeInfo classifies a request path for the log and statistics: the
// template ("/ATServicesRest/V1.0/Companies/{id}") and, for Autotask, the
// entity ("Companies").
func routeInfo(api, path string) (template, entity string) {
	if api == apiPetra {
		return path, ""
	}
	// Autotask accepts doubled slashes (autotasksim): so does the log.
	segs := strings.FieldsFunc(path, func(r rune) bool { return r == '/' })
	for i, s := range segs {
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			segs[i] = "{id}"
			continue
		}
		if c, ok := canonicalSegments[strings.ToLower(s)]; ok {
			segs[i] = c
		}
	}
	if len(segs) >= 3 && segs[0] == "ATServicesRest" && segs[1] == "V1.0" {
		entity = segs[2]
		if len(segs) >= 5 && entity == "Contracts" && segs[3] == "{id}" {
			if child, ok := childEntities[strings.ToLower(segs[4])]; ok {
				entity = child
			}
		}
		if entity == "ZoneInformation" || entity == "VersionInformation" {
			entity = ""
		}
	}
	return "/" + strings.Join(segs, "/"), entity
}
