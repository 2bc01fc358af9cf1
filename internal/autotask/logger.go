package autotask

// Logger receives the client's diagnostic messages. Its method set matches
// retryablehttp.LeveledLogger, so any leveled logger can be plugged in.
// kv holds alternating keys and values.
//
// The client never passes credentials (Secret, ApiIntegrationCode, the
// UserName header), query strings or request bodies to the Logger.
type Logger interface {
	Debug(msg string, kv ...any)
	Info(msg string, kv ...any)
	Warn(msg string, kv ...any)
	Error(msg string, kv ...any)
}

// nopLogger discards everything; it is the default Logger.
type nopLogger struct{}

func (nopLogger) Debug(string, ...any) {}
func (nopLogger) Info(string, ...any)  {}
func (nopLogger) Warn(string, ...any)  {}
func (nopLogger) Error(string, ...any) {}
