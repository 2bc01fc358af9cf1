package petra

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestNewRefusesSkippingTLSVerification: no configuration makes the client
// send the API key to a server it has not verified.
func TestNewRefusesSkippingTLSVerification(t *testing.T) {
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // the test proves it is refused
	_, err := New(Config{APIKey: testKey, HTTPClient: hc})
	if err == nil || !strings.Contains(err.Error(), "InsecureSkipVerify") {
		t.Fatalf("New with InsecureSkipVerify = %v, want a refusal naming it", err)
	}
}

// TestTLSCertificateIsVerified: an HTTPS server with a certificate the
// system does not trust is refused, and the key never reaches it.
func TestTLSCertificateIsVerified(t *testing.T) {
	var gotKey atomic.Bool
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Authorization"), testKey) {
			gotKey.Store(true)
		}
		_, _ = w.Write([]byte(`{"tenants":[]}`))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	c, err := New(Config{APIKey: testKey, BaseURL: srv.URL, MaxRetries: -1, Clock: newFakeClock(true)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Tenants(context.Background())
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("Tenants against an untrusted certificate = %v, want a certificate error", err)
	}
	if gotKey.Load() {
		t.Fatal("the API key reached a server whose certificate was not verified")
	}
}

// TestRedirectsAreNotFollowed: a redirect is reported, not followed, so the
// key never travels to another URL.
func TestRedirectsAreNotFollowed(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	}))
	defer srv.Close()
	c, err := New(Config{APIKey: testKey, BaseURL: srv.URL, Clock: newFakeClock(true)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Tenants(context.Background())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusFound {
		t.Fatalf("err = %v, want an APIError with HTTP 302", err)
	}
	if elsewhere.Load() != 0 {
		t.Fatal("the client followed the redirect")
	}
}

// TestCallerClientIsNotModified: New copies a caller's http.Client.
func TestCallerClientIsNotModified(t *testing.T) {
	hc := &http.Client{Timeout: time.Second}
	if _, err := New(Config{APIKey: testKey, HTTPClient: hc}); err != nil {
		t.Fatal(err)
	}
	if hc.CheckRedirect != nil || hc.Timeout != time.Second {
		t.Fatal("New changed the caller's http.Client")
	}
}

// TestCancelDuringRequestStopsPromptly: Ctrl-C while Petra is slow returns
// at once with a cancellation error, without retrying.
func TestCancelDuringRequestStopsPromptly(t *testing.T) {
	var hits atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c, err := New(Config{APIKey: testKey, BaseURL: srv.URL, Clock: newFakeClock(true)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for hits.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err = c.Tenants(ctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "cancelled") {
		t.Fatalf("err = %v, want a cancellation", err)
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("%d requests, want 1 (no retry after cancellation)", n)
	}
}
