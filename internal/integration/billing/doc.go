// Package billing is a contract service line's units and the push that sets
// them: the run's view of Recurring Service contracts (snapshot.go,
// reads.go), the units in effect on a day (units.go), the seed texts'
// plan-time checks (checks.go), billing periods (periods.go), and the push
// with its read-back and settle rules (push.go), with Autotask's refusals
// explained (refusals.go). It writes to Autotask only in push.go, through
// the Autotask client.
//
// The billing path, for a newcomer: checks.go (the plan check) → push.go
// (the push and its read-back) → units.go (what the line holds on a day).
package billing
