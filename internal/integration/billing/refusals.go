package billing

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/access"
)

// postedPeriodText is Autotask's text for a change to an approved and
// posted (invoiced) contract period (official KB370000000540).
const postedPeriodText = "approved and posted contract period"

// ErrPostedPeriod matches (errors.Is) a push Autotask refused because the
// adjustment would take effect in an approved and posted period.
var ErrPostedPeriod = errors.New("the adjustment falls in an approved and posted contract period")

// refusal adds the fix to an error whose cause Autotask named.
type refusal struct {
	err  error
	fix  string
	kind error
}

func (r *refusal) Error() string   { return r.err.Error() + "\n\n" + r.fix }
func (r *refusal) Unwrap() []error { return []error{r.err, r.kind} }

// explainRefusal adds what to do to a refused adjustment: for a posted
// period (Autotask's text is kept verbatim in err), and for a missing
// permission (also when Autotask answered it with a 401, see
// autotask.PermissionError). Nothing is retried either way.
func explainRefusal(err error, day time.Time) error {
	var rule *autotask.BusinessRuleError
	if errors.As(err, &rule) && containsFoldAny(rule.Messages(), postedPeriodText) {
		return &refusal{err: err, kind: ErrPostedPeriod, fix: fmt.Sprintf("The adjustment would take effect on %s, in "+
			"a billing period Autotask has already approved and posted (invoiced), so Autotask refused it. Nothing was "+
			"pushed and the provider does not retry it. Set effective = \"next_period\" on this billing mapping so that "+
			"changes take effect when the contract's next billing period begins, or change the units in Autotask by "+
			"hand after un-posting the period.", day.Format(time.DateOnly))}
	}
	var perm *autotask.PermissionError
	if errors.As(err, &perm) {
		return &refusal{err: err, kind: perm, fix: "Nothing was pushed. " + access.PermissionFix}
	}
	return err
}

func containsFoldAny(msgs []string, needle string) bool {
	needle = strings.ToLower(needle)
	for _, m := range msgs {
		if strings.Contains(strings.ToLower(m), needle) {
			return true
		}
	}
	return false
}
