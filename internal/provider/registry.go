package provider

import (
	"sort"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// Each resource and data source file registers its constructor in an init
// function, so adding a type touches only its own file.
var (
	registryMu  sync.Mutex
	resourceFns = map[string]func() resource.Resource{}
	dataFns     = map[string]func() datasource.DataSource{}
)

func registerResource(name string, fn func() resource.Resource) {
	registryMu.Lock()
	defer registryMu.Unlock()
	resourceFns[name] = fn
}

func registerDataSource(name string, fn func() datasource.DataSource) {
	registryMu.Lock()
	defer registryMu.Unlock()
	dataFns[name] = fn
}

func resourceConstructors() []func() resource.Resource {
	registryMu.Lock()
	defer registryMu.Unlock()
	names := make([]string, 0, len(resourceFns))
	for n := range resourceFns {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]func() resource.Resource, 0, len(names))
	for _, n := range names {
		out = append(out, resourceFns[n])
	}
	return out
}

func dataSourceConstructors() []func() datasource.DataSource {
	registryMu.Lock()
	defer registryMu.Unlock()
	names := make([]string, 0, len(dataFns))
	for n := range dataFns {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]func() datasource.DataSource, 0, len(names))
	for _, n := range names {
		out = append(out, dataFns[n])
	}
	return out
}
