// Package autotask is the provider's only HTTP client for the Autotask PSA
// REST API (v1.0).
//
// It discovers the tenant's zone (or uses a configured base URL), sends the
// ApiIntegrationCode/UserName/Secret headers, builds typed queries and follows
// nextPageUrl paging, turns Autotask's error responses into typed errors that
// keep the API's own text, retries only what is safe to retry, and never has
// more than a few requests in flight per Autotask endpoint.
//
// The package imports nothing from Terraform. It logs through the small Logger
// interface and never logs credentials or request bodies.
//
// Wire facts follow /work/shared/reference/autotask-api.md ("ref" in comments).
// Behaviour that rests on an INFERRED item of that reference is kept in one
// named place and marked "INFERRED (ref §N)" so it is easy to change once a
// real tenant confirms or refutes it.
package autotask
