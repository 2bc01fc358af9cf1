package provider

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
	"weak"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// payloadKey carries a large value in a call's context, as the SDK's logging
// contexts do.
type payloadKey struct{}

type payload [64 << 10]byte

// callWithPayload makes one GetMetadata call whose context carries a new
// payload, and returns a weak pointer to it.
func callWithPayload(t *testing.T, srv tfprotov6.ProviderServer) weak.Pointer[payload] {
	t.Helper()
	p := new(payload)
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), payloadKey{}, p))
	defer cancel() // gRPC cancels a call's context when it ends
	if _, err := srv.GetMetadata(ctx, &tfprotov6.GetMetadataRequest{}); err != nil {
		t.Fatal(err)
	}
	return weak.Make(p)
}

// TestServerForgetsFinishedCalls: the framework alone keeps every finished
// call's context (and all it carries) until StopProvider; the provider's
// server lets it go once enough calls have finished, so memory does not grow
// with the number of resources a run touches.
func TestServerForgetsFinishedCalls(t *testing.T) {
	bare := providerserver.NewProtocol6(New("test")())()
	kept := callWithPayload(t, bare)
	runtime.GC()
	if kept.Value() == nil {
		t.Fatal("the framework's own server no longer keeps finished calls' contexts: the sweeping server may be unnecessary")
	}
	runtime.KeepAlive(bare)

	srv := NewServer(New("test")())()
	first := callWithPayload(t, srv)
	for range sweepTry {
		callWithPayload(t, srv)
	}
	runtime.GC()
	if first.Value() != nil {
		t.Fatalf("after %d finished calls the server still holds the first call's context", sweepTry+1)
	}
	// The server still serves after sweeps.
	resp, err := srv.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || resp.ResourceSchemas["petra_autotask_billing_mapping"] == nil {
		t.Fatalf("GetProviderSchema after sweeps: %v, %v", resp, err)
	}
}

// fakeServer counts calls in flight and StopProvider calls; ReadResource
// blocks until release is closed.
type fakeServer struct {
	tfprotov6.ProviderServer // methods the tests do not call

	inFlight        atomic.Int64
	stops           atomic.Int64
	stopsInFlight   atomic.Int64
	entered         chan struct{}
	release         chan struct{}
	sawCancellation atomic.Bool
}

func newFake() *fakeServer {
	return &fakeServer{entered: make(chan struct{}, 1), release: make(chan struct{})}
}

func (f *fakeServer) GetMetadata(context.Context, *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	return &tfprotov6.GetMetadataResponse{}, nil
}

func (f *fakeServer) ReadResource(ctx context.Context, _ *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	f.entered <- struct{}{}
	<-f.release
	if ctx.Err() != nil {
		f.sawCancellation.Store(true)
	}
	return &tfprotov6.ReadResourceResponse{}, nil
}

func (f *fakeServer) StopProvider(context.Context, *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	f.stops.Add(1)
	if f.inFlight.Load() > 0 {
		f.stopsInFlight.Add(1)
	}
	return &tfprotov6.StopProviderResponse{}, nil
}

// waitFor polls cond until it holds; the deadline only keeps a broken build
// from hanging the test run.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestServerSweepsOnlyWithNothingInFlight: a sweep never runs while a call is
// in flight (it would cancel that call), and no call ever waits for a sweep to
// become possible: calls finish beside a long one; once it ends, the sweep runs.
func TestServerSweepsOnlyWithNothingInFlight(t *testing.T) {
	f := newFake()
	s := &sweepingServer{inner: f}
	for range sweepTry - 1 {
		_, _ = s.GetMetadata(context.Background(), &tfprotov6.GetMetadataRequest{})
	}
	if f.stops.Load() != 0 {
		t.Fatalf("swept after %d calls, before the threshold of %d", sweepTry-1, sweepTry)
	}
	_, _ = s.GetMetadata(context.Background(), &tfprotov6.GetMetadataRequest{})
	if f.stops.Load() != 1 {
		t.Fatalf("%d sweeps after %d calls with nothing in flight, want 1", f.stops.Load(), sweepTry)
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = s.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{})
	}()
	<-f.entered
	// Many calls finish beside the long one: none waits, none sweeps.
	var beside atomic.Int64
	go func() {
		for range 4 * sweepTry {
			_, _ = s.GetMetadata(context.Background(), &tfprotov6.GetMetadataRequest{})
			beside.Add(1)
		}
	}()
	waitFor(t, "calls beside a long one finish without waiting", func() bool { return beside.Load() == 4*sweepTry })
	if got := f.stops.Load(); got != 1 {
		t.Fatalf("%d sweeps while a call was in flight", got-1)
	}
	close(f.release)
	<-done
	if got := f.stops.Load(); got != 2 {
		t.Fatalf("%d sweeps after the long call finished, want 2 (the long call's end sweeps)", got)
	}
	if f.stopsInFlight.Load() != 0 || f.sawCancellation.Load() {
		t.Fatalf("a sweep ran with a call in flight (%d), or cancelled it (%v)", f.stopsInFlight.Load(), f.sawCancellation.Load())
	}
}

// TestServerPassesTerraformsStopProviderAtOnce: Terraform's interrupt must
// reach the framework while calls are in flight, not wait for them.
func TestServerPassesTerraformsStopProviderAtOnce(t *testing.T) {
	f := newFake()
	s := &sweepingServer{inner: f}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = s.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{})
	}()
	<-f.entered
	if _, err := s.StopProvider(context.Background(), &tfprotov6.StopProviderRequest{}); err != nil {
		t.Fatal(err)
	}
	if f.stops.Load() != 1 || f.stopsInFlight.Load() != 1 {
		t.Fatalf("StopProvider reached the framework %d times (%d with the call in flight), want once, at once",
			f.stops.Load(), f.stopsInFlight.Load())
	}
	close(f.release)
	<-done
}
