package sandbox

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/petrasecurity/terraform-provider-petra/internal/sandbox/autotasksim"
)

// autotaskAdmin registers the admin routes for the Autotask emulator's
// behaviour settings, posted periods, billing items and API users (issue 11).
func (s *Sandbox) autotaskAdmin(mux *http.ServeMux) {
	mux.HandleFunc("GET /_sandbox/autotask/settings", func(w http.ResponseWriter, r *http.Request) {
		writeAdminJSON(w, http.StatusOK, s.autotask.Behaviour())
	})
	mux.HandleFunc("POST /_sandbox/autotask/settings", func(w http.ResponseWriter, r *http.Request) {
		var u autotasksim.BehaviourUpdate
		if !decodeAdmin(w, r, &u) {
			return
		}
		b, err := s.autotask.SetBehaviour(u)
		if err != nil {
			adminError(w, http.StatusBadRequest, "autotask settings (nothing changed): %v", err)
			return
		}
		writeAdminJSON(w, http.StatusOK, b)
	})
	mux.HandleFunc("GET /_sandbox/autotask/posted-periods", func(w http.ResponseWriter, r *http.Request) {
		writeAdminJSON(w, http.StatusOK, map[string]any{"postedPeriods": s.autotask.PostedPeriodList()})
	})
	mux.HandleFunc("POST /_sandbox/autotask/posted-periods", func(w http.ResponseWriter, r *http.Request) {
		var p autotasksim.PostedPeriods
		if !decodeAdmin(w, r, &p) {
			return
		}
		out, err := s.autotask.PostPeriods(p)
		if err != nil {
			adminError(w, http.StatusBadRequest, "posted periods (nothing changed): %v", err)
			return
		}
		writeAdminJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("GET /_sandbox/autotask/billing-items", func(w http.ResponseWriter, r *http.Request) {
		var cs int64
		if v := r.URL.Query().Get("contractServiceID"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				adminError(w, http.StatusBadRequest, "contractServiceID=%q must be a contract service id", v)
				return
			}
			cs = n
		}
		writeAdminJSON(w, http.StatusOK, map[string]any{"billingItems": s.autotask.BillingItems(cs)})
	})
	mux.HandleFunc("POST /_sandbox/autotask/users", func(w http.ResponseWriter, r *http.Request) {
		var u autotasksim.APIUser
		if !decodeAdmin(w, r, &u) {
			return
		}
		if err := s.autotask.SetUser(u); err != nil {
			adminError(w, http.StatusBadRequest, "autotask user (nothing changed): %v", err)
			return
		}
		s.addUser(u)
		writeAdminJSON(w, http.StatusOK, map[string]string{"userName": u.UserName})
	})
}

// addUser keeps the user list of GET /_sandbox/info and the redactor in
// step with users added through the admin API.
func (s *Sandbox) addUser(u autotasksim.APIUser) {
	s.usersMu.Lock()
	defer s.usersMu.Unlock()
	replaced := false
	for i, x := range s.users {
		if strings.EqualFold(x.UserName, u.UserName) {
			s.users[i], replaced = u, true
		}
	}
	if !replaced {
		s.users = append(s.users, u)
	}
	s.redactor.Store(buildRedactor(s.users, s.petraKeys))
}

// AutotaskSettings returns the Autotask emulator's behaviour settings.
func (c *AdminClient) AutotaskSettings(ctx context.Context) (autotasksim.Behaviour, error) {
	var b autotasksim.Behaviour
	err := c.do(ctx, http.MethodGet, "/autotask/settings", nil, &b)
	return b, err
}

// SetAutotaskSettings changes the Autotask emulator's behaviour settings
// (nil fields stay as they are).
func (c *AdminClient) SetAutotaskSettings(ctx context.Context, u autotasksim.BehaviourUpdate) (autotasksim.Behaviour, error) {
	var b autotasksim.Behaviour
	err := c.do(ctx, http.MethodPost, "/autotask/settings", u, &b)
	return b, err
}

// PostPeriods approves and posts a contract's billing periods through a date.
func (c *AdminClient) PostPeriods(ctx context.Context, p autotasksim.PostedPeriods) (autotasksim.PostedPeriods, error) {
	var out autotasksim.PostedPeriods
	err := c.do(ctx, http.MethodPost, "/autotask/posted-periods", p, &out)
	return out, err
}

// BillingItems lists the prorated billing items adjustments created (of one
// contract service; 0 lists all).
func (c *AdminClient) BillingItems(ctx context.Context, contractServiceID int64) ([]autotasksim.BillingItem, error) {
	var out struct {
		Items []autotasksim.BillingItem `json:"billingItems"`
	}
	path := "/autotask/billing-items"
	if contractServiceID > 0 {
		path += "?contractServiceID=" + strconv.FormatInt(contractServiceID, 10)
	}
	err := c.do(ctx, http.MethodGet, path, nil, &out)
	return out.Items, err
}

// SetAutotaskUser adds or replaces an Autotask API user.
func (c *AdminClient) SetAutotaskUser(ctx context.Context, u autotasksim.APIUser) error {
	return c.do(ctx, http.MethodPost, "/autotask/users", u, nil)
}
