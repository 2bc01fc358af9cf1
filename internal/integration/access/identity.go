package access

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/petrasecurity/terraform-provider-petra/internal/autotask"
	"github.com/petrasecurity/terraform-provider-petra/internal/integration/run"
)

// The connection's identity is the Autotask database, not the API user: the
// zone lookup's ci is the database's numeric id (ref §1, VERIFIED). Another
// API user of the same database (a CI user, a rotated user) is the same
// connection; another database is a different one.

// ConnectionID is the connection id of a database: its id in decimal.
func ConnectionID(databaseID int64) string { return strconv.FormatInt(databaseID, 10) }

// ParseConnectionID reads a connection id. ok is false for anything but a
// positive decimal number, such as the API username that versions before
// 0.2 used as the id.
func ParseConnectionID(id string) (databaseID int64, ok bool) {
	if id == "" || id[0] == '+' || id[0] == '-' {
		return 0, false
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

// DatabaseID returns the id of the Autotask database the configured API user
// belongs to, from one unauthenticated zone lookup per run (also when the
// base URL is configured, see autotask.Client.Database).
func (s *Access) DatabaseID(ctx context.Context) (int64, error) {
	at, err := s.run.Autotask()
	if err != nil {
		return 0, err
	}
	return run.Cached(ctx, s.run, "autotask/database", func(ctx context.Context) (int64, error) {
		z, err := at.Database(ctx)
		if err != nil {
			return 0, fmt.Errorf("identifying the Autotask database of the API user %q: %w", s.run.Username(), err)
		}
		if z.CI <= 0 {
			return 0, fmt.Errorf("the Autotask zone lookup for the API user %q returned no database id (ci), so the "+
				"provider cannot tell which Autotask database it is connected to; check the zone lookup URL", s.run.Username())
		}
		return z.CI, nil
	})
}

// DatabaseOfUser returns the id of the database another API user belongs
// to (a user recorded in a state written before 0.2). It returns 0 and no
// error when Autotask does not know the user any more (deleted or renamed).
// One lookup per user per run.
func (s *Access) DatabaseOfUser(ctx context.Context, username string) (int64, error) {
	at, err := s.run.Autotask()
	if err != nil {
		return 0, err
	}
	return run.Cached(ctx, s.run, "autotask/database-of/"+username, func(ctx context.Context) (int64, error) {
		z, err := at.ZoneFor(ctx, username)
		var unknown *autotask.ZoneNotFoundError
		switch {
		case errors.As(err, &unknown):
			return 0, nil
		case err != nil:
			return 0, fmt.Errorf("looking up the Autotask database of the API user %q: %w", username, err)
		}
		return z.CI, nil
	})
}
