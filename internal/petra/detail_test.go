package petra

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestErrorDetail(t *testing.T) {
	cases := map[string]string{
		`{"error":"Bad Request","message":"asOf is invalid"}`: "Bad Request: asOf is invalid",
		`{"error":{"code":"x","message":"nested text"}}`:      "nested text",
		`{"error":"same","message":"same"}`:                   "same",
		"plain\n  text\tbody ":                                "plain text body",
		`{"unrelated":true}`:                                  `{"unrelated":true}`,
		"":                                                    "",
	}
	for body, want := range cases {
		if got := errorDetail([]byte(body), testKey); got != want {
			t.Errorf("errorDetail(%q) = %q, want %q", body, got, want)
		}
	}
	long := strings.Repeat("é", 400) // 800 bytes of two-byte runes
	got := errorDetail([]byte(long), testKey)
	if !strings.HasSuffix(got, "...") || len(got) > maxDetailLen+3 || !utf8.ValidString(got) {
		t.Errorf("long body shortened to %d bytes, valid UTF-8 %v", len(got), utf8.ValidString(got))
	}
}

func TestRealClockSleepHonoursContext(t *testing.T) {
	var c realClock
	if err := c.Sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("short sleep: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := c.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled sleep err = %v", err)
	}
	if time.Since(start) > 30*time.Second { // far below the hour it was asked to sleep
		t.Error("cancelled sleep did not return promptly")
	}
}
