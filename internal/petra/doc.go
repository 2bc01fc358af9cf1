// Package petra is a small client for Petra Security's public REST API
// (https://api.petrasecurity.com). It reads the three routes the provider
// needs: GET /v1/tenants, GET /v1/usage and GET /v1/billable-users.
//
// The client sends the Bearer API key, a User-Agent and Accept headers on
// every request; paces each route to at most Config.RequestsPerMinute requests
// in any rolling minute (Petra limits each route to 10 per minute); waits out
// 429 responses using Petra's Retry-After-public-api (or Retry-After) header;
// retries 5xx and network failures with backoff; shares one upstream request
// among identical concurrent GETs; and turns failures into typed errors that
// explain what to do. The API key never reaches the logger or error texts.
//
// The package imports nothing from Terraform; logging goes through the small
// Logger interface and time through the Clock interface so tests can run the
// pacing and retry logic without real waiting.
package petra
