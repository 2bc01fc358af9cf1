package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// logAdapter lets the API clients, which know nothing of Terraform, log
// through tflog. Its context carries the secret masks set at Configure, so a
// credential that reached a message or field would still be hidden.
type logAdapter struct {
	ctx       context.Context //nolint:containedctx // the clients' logger interface has no context
	subsystem string
}

func newLogAdapter(ctx context.Context, subsystem string) *logAdapter {
	ctx = tflog.NewSubsystem(ctx, subsystem)
	return &logAdapter{ctx: ctx, subsystem: subsystem}
}

func (l *logAdapter) fields(kv []any) map[string]any {
	if len(kv) == 0 {
		return nil
	}
	m := make(map[string]any, len(kv)/2+1)
	for i := 0; i < len(kv); i += 2 {
		key := fmt.Sprint(kv[i])
		if i+1 < len(kv) {
			m[key] = kv[i+1]
		} else {
			m[key] = "(missing)"
		}
	}
	return m
}

// Debug logs at debug level.
func (l *logAdapter) Debug(msg string, kv ...any) {
	tflog.SubsystemDebug(l.ctx, l.subsystem, msg, l.fields(kv))
}

// Info logs at info level.
func (l *logAdapter) Info(msg string, kv ...any) {
	tflog.SubsystemInfo(l.ctx, l.subsystem, msg, l.fields(kv))
}

// Warn logs at warn level.
func (l *logAdapter) Warn(msg string, kv ...any) {
	tflog.SubsystemWarn(l.ctx, l.subsystem, msg, l.fields(kv))
}

// Error logs at error level.
func (l *logAdapter) Error(msg string, kv ...any) {
	tflog.SubsystemError(l.ctx, l.subsystem, msg, l.fields(kv))
}
