package provider

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// The plugin framework (v1.19) keeps a cancel function for the context of
// every RPC it has served, so that StopProvider can cancel them, and drops
// them only when StopProvider is called, which Terraform does on interrupt
// only. Each kept function holds its RPC's whole context: the gRPC stream's
// values and every logging context the SDK derived for the call. A plan of a
// thousand mappings serves several thousand RPCs, so the provider's memory
// grew with the number of resources by tens of kilobytes per call, beyond
// anything the bulk reads need.
//
// sweepingServer serves the framework's server and, once enough RPCs have
// finished, calls the framework's StopProvider at a moment when no RPC is in
// flight: it cancels only contexts whose RPCs are over (gRPC has cancelled
// them already) and lets the framework forget them. A read-write lock makes
// "no RPC in flight" exact: every RPC holds it shared, a sweep takes it
// exclusively, but only with TryLock, so a sweep never makes an RPC wait for
// another (an apply may wait minutes for a read-back; nothing queues behind
// it). Terraform keeps fewer than ten RPCs in flight, and between its graph
// steps there are moments with none, so sweeps happen throughout a run.
// Terraform's own StopProvider passes straight through, at once.
type sweepingServer struct {
	inner tfprotov6.ProviderServer

	mu       sync.RWMutex
	finished atomic.Int64 // RPCs finished since the last sweep
	// sweeps counts the sweeps made (tests read it).
	sweeps atomic.Int64
}

// sweepTry: after this many finished RPCs, each RPC that finishes sweeps if
// nothing else is in flight at that moment.
const sweepTry = 64

// NewServer returns the protocol 6 server factory for p: the framework's
// server, with its per-RPC contexts swept (see sweepingServer). The provider
// binary serves it; acceptance tests use it too.
func NewServer(p provider.Provider) func() tfprotov6.ProviderServer {
	inner := providerserver.NewProtocol6(p)
	return func() tfprotov6.ProviderServer { return &sweepingServer{inner: inner()} }
}

var _ tfprotov6.ProviderServer = (*sweepingServer)(nil)

// serve runs one RPC under the shared lock, then sweeps when due.
func serve[Req, Resp any](s *sweepingServer, ctx context.Context, req Req, rpc func(context.Context, Req) (Resp, error)) (Resp, error) {
	resp, err := func() (Resp, error) {
		s.mu.RLock()
		defer s.mu.RUnlock()
		return rpc(ctx, req)
	}()
	s.finish()
	return resp, err
}

// finish counts a finished RPC and sweeps when due and nothing is in flight.
func (s *sweepingServer) finish() {
	if s.finished.Add(1) < sweepTry {
		return
	}
	if s.mu.TryLock() {
		s.sweepLocked()
		s.mu.Unlock()
	}
}

// sweepLocked lets the framework drop the contexts of finished RPCs. The
// caller holds the lock exclusively: no RPC is in flight.
func (s *sweepingServer) sweepLocked() {
	if s.finished.Load() < sweepTry {
		return // swept by another goroutine meanwhile
	}
	_, _ = s.inner.StopProvider(context.Background(), &tfprotov6.StopProviderRequest{})
	s.finished.Store(0)
	s.sweeps.Add(1)
}

// StopProvider is Terraform's interrupt: it cancels every RPC in flight, at
// once (never waiting for the lock).
func (s *sweepingServer) StopProvider(ctx context.Context, req *tfprotov6.StopProviderRequest) (*tfprotov6.StopProviderResponse, error) {
	return s.inner.StopProvider(ctx, req)
}

func (s *sweepingServer) GetMetadata(ctx context.Context, req *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	return serve(s, ctx, req, s.inner.GetMetadata)
}

func (s *sweepingServer) GetProviderSchema(ctx context.Context, req *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	return serve(s, ctx, req, s.inner.GetProviderSchema)
}

func (s *sweepingServer) GetResourceIdentitySchemas(ctx context.Context, req *tfprotov6.GetResourceIdentitySchemasRequest) (*tfprotov6.GetResourceIdentitySchemasResponse, error) {
	return serve(s, ctx, req, s.inner.GetResourceIdentitySchemas)
}

func (s *sweepingServer) ValidateProviderConfig(ctx context.Context, req *tfprotov6.ValidateProviderConfigRequest) (*tfprotov6.ValidateProviderConfigResponse, error) {
	return serve(s, ctx, req, s.inner.ValidateProviderConfig)
}

func (s *sweepingServer) ConfigureProvider(ctx context.Context, req *tfprotov6.ConfigureProviderRequest) (*tfprotov6.ConfigureProviderResponse, error) {
	return serve(s, ctx, req, s.inner.ConfigureProvider)
}

func (s *sweepingServer) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	return serve(s, ctx, req, s.inner.ValidateResourceConfig)
}

func (s *sweepingServer) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	return serve(s, ctx, req, s.inner.UpgradeResourceState)
}

func (s *sweepingServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return serve(s, ctx, req, s.inner.ReadResource)
}

func (s *sweepingServer) PlanResourceChange(ctx context.Context, req *tfprotov6.PlanResourceChangeRequest) (*tfprotov6.PlanResourceChangeResponse, error) {
	return serve(s, ctx, req, s.inner.PlanResourceChange)
}

func (s *sweepingServer) ApplyResourceChange(ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest) (*tfprotov6.ApplyResourceChangeResponse, error) {
	return serve(s, ctx, req, s.inner.ApplyResourceChange)
}

func (s *sweepingServer) ImportResourceState(ctx context.Context, req *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return serve(s, ctx, req, s.inner.ImportResourceState)
}

func (s *sweepingServer) MoveResourceState(ctx context.Context, req *tfprotov6.MoveResourceStateRequest) (*tfprotov6.MoveResourceStateResponse, error) {
	return serve(s, ctx, req, s.inner.MoveResourceState)
}

func (s *sweepingServer) UpgradeResourceIdentity(ctx context.Context, req *tfprotov6.UpgradeResourceIdentityRequest) (*tfprotov6.UpgradeResourceIdentityResponse, error) {
	return serve(s, ctx, req, s.inner.UpgradeResourceIdentity)
}

func (s *sweepingServer) GenerateResourceConfig(ctx context.Context, req *tfprotov6.GenerateResourceConfigRequest) (*tfprotov6.GenerateResourceConfigResponse, error) {
	return serve(s, ctx, req, s.inner.GenerateResourceConfig)
}

func (s *sweepingServer) ValidateDataResourceConfig(ctx context.Context, req *tfprotov6.ValidateDataResourceConfigRequest) (*tfprotov6.ValidateDataResourceConfigResponse, error) {
	return serve(s, ctx, req, s.inner.ValidateDataResourceConfig)
}

func (s *sweepingServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	return serve(s, ctx, req, s.inner.ReadDataSource)
}

func (s *sweepingServer) CallFunction(ctx context.Context, req *tfprotov6.CallFunctionRequest) (*tfprotov6.CallFunctionResponse, error) {
	return serve(s, ctx, req, s.inner.CallFunction)
}

func (s *sweepingServer) GetFunctions(ctx context.Context, req *tfprotov6.GetFunctionsRequest) (*tfprotov6.GetFunctionsResponse, error) {
	return serve(s, ctx, req, s.inner.GetFunctions)
}

func (s *sweepingServer) ValidateEphemeralResourceConfig(ctx context.Context, req *tfprotov6.ValidateEphemeralResourceConfigRequest) (*tfprotov6.ValidateEphemeralResourceConfigResponse, error) {
	return serve(s, ctx, req, s.inner.ValidateEphemeralResourceConfig)
}

func (s *sweepingServer) OpenEphemeralResource(ctx context.Context, req *tfprotov6.OpenEphemeralResourceRequest) (*tfprotov6.OpenEphemeralResourceResponse, error) {
	return serve(s, ctx, req, s.inner.OpenEphemeralResource)
}

func (s *sweepingServer) RenewEphemeralResource(ctx context.Context, req *tfprotov6.RenewEphemeralResourceRequest) (*tfprotov6.RenewEphemeralResourceResponse, error) {
	return serve(s, ctx, req, s.inner.RenewEphemeralResource)
}

func (s *sweepingServer) CloseEphemeralResource(ctx context.Context, req *tfprotov6.CloseEphemeralResourceRequest) (*tfprotov6.CloseEphemeralResourceResponse, error) {
	return serve(s, ctx, req, s.inner.CloseEphemeralResource)
}
