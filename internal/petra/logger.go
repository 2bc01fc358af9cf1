package petra

// Logger receives the client's diagnostic messages. kv holds alternating
// keys and values ("route", "/v1/tenants", "status", 200, ...). The client
// never passes the API key or the Authorization header to a Logger.
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
