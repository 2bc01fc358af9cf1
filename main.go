// Command terraform-provider-petra serves the Petra Security <-> Autotask PSA
// integration provider to Terraform over plugin protocol 6.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/petrasecurity/terraform-provider-petra/internal/provider"
)

// version is set by goreleaser at release time.
var version = "dev"

// Address is the provider's registry address.
const Address = "registry.terraform.io/petrasecurity/petra"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: Address,
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
