package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// maxRequestBody bounds what the middleware buffers from a request.
const maxRequestBody = 8 << 20

// statusWriter records the status an API handler writes.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// discardWriter swallows a response the client will never see.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.header }
func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *discardWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(b), nil
}

// abortConnection closes the client connection without a response. On TCP
// the close is a reset (linger 0), so the client sees "connection reset" or
// EOF rather than a clean end.
func abortConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 or a recorder: let net/http abort the stream instead.
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// defaultFaultBody is an error body in the shape of the addressed API.
func defaultFaultBody(api string, status int) string {
	if api == apiPetra {
		b, _ := json.Marshal(map[string]string{"error": http.StatusText(status), "message": "Injected by the sandbox (POST /_sandbox/faults)"})
		return string(b)
	}
	b, _ := json.Marshal(map[string][]string{"errors": {fmt.Sprintf("Injected by the sandbox: %d %s.", status, http.StatusText(status))}})
	return string(b)
}

// writeThrottled answers a random-throttle hit in the addressed API's shape.
func writeThrottled(w http.ResponseWriter, api string, secs int) {
	s := strconv.Itoa(secs)
	w.Header().Set("Retry-After", s)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	var body any
	if api == apiPetra {
		w.Header().Set("Retry-After-public-api", s)
		body = map[string]string{"error": "Too Many Requests", "message": "Rate limit exceeded for this route"}
	} else {
		// INFERRED (ref §6): the real threshold-rejection text is unknown.
		body = map[string][]string{"errors": {"The request was throttled: the API request threshold has been exceeded. Retry after " + s + " second(s)."}}
	}
	w.WriteHeader(http.StatusTooManyRequests)
	_ = json.NewEncoder(w).Encode(body)
}

// wrapAPI puts latency, fault injection, random throttling and the request
// log in front of an API handler.
func (s *Sandbox) wrapAPI(api string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		template, entity := routeInfo(api, r.URL.Path)
		rec := RequestRecord{
			Time:     formatLogTime(start),
			API:      api,
			Method:   r.Method,
			Path:     r.URL.Path,
			Query:    s.redact(r.URL.RawQuery),
			Entity:   entity,
			template: template,
		}
		logged := false
		var seq int64
		logRecord := func() int64 {
			if logged {
				return seq
			}
			logged = true
			rec.DurationMs = float64(time.Since(start).Microseconds()) / 1000
			seq = s.log.add(rec)
			return seq
		}
		// Normal responses are flushed only after the handler returns, so the
		// deferred record is in the log before the client sees the answer.
		defer logRecord()

		if r.Body != nil {
			body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
			if err != nil {
				rec.Outcome = OutcomeCanceled
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			if api == apiAutotask && r.Method != http.MethodGet && len(body) > 0 {
				b := s.redact(string(body))
				if len(b) > maxLoggedBody {
					b = b[:maxLoggedBody]
				}
				rec.Body = b
			}
		}

		if d := s.baseLatency + s.ctl.delayFor(r.URL.Path); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				rec.Outcome = OutcomeCanceled
				return
			}
		}

		if f := s.ctl.takeFault(r.Method, r.URL.Path); f != nil {
			switch f.Action {
			case FaultFail:
				body := f.Body
				if body == "" {
					body = defaultFaultBody(api, f.Status)
				}
				for k, v := range f.Headers {
					w.Header().Set(k, v)
				}
				if w.Header().Get("Content-Type") == "" {
					w.Header().Set("Content-Type", "application/json; charset=utf-8")
				}
				w.WriteHeader(f.Status)
				_, _ = io.WriteString(w, body)
				rec.Status, rec.Outcome = f.Status, OutcomeFault
			case FaultDrop:
				rec.Outcome = OutcomeDropped
				logRecord() // before the reset: the client must find it in the log
				abortConnection(w)
			case FaultCommitThenDrop:
				dw := &discardWriter{header: http.Header{}}
				next.ServeHTTP(dw, r)
				rec.Status, rec.Outcome = dw.status, OutcomeCommittedDropped
				logRecord() // before the reset: the client must find it in the log
				abortConnection(w)
			case FaultDropThenCommit, FaultHoldThenCommit:
				s.serveLate(f, w, r, next, &rec, logRecord)
			}
			return
		}

		if hit, secs := s.ctl.throttled(r.URL.Path); hit {
			writeThrottled(w, api, secs)
			rec.Status, rec.Outcome = http.StatusTooManyRequests, OutcomeThrottled
			return
		}

		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		rec.Status, rec.Outcome = sw.status, OutcomeOK
	})
}
