// Command terraform-provider-petra serves the Petra Security <-> Autotask PSA
// integration provider to Terraform over plugin protocol 6.
package main

import (
	"flag"
	"log"
	"os"

	// The IANA time zone database, embedded (about 450 KB): time_zone =
	// "America/New_York" must work on machines without a system zone
	// database (Windows, minimal containers, CI images).
	_ "time/tzdata"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/petrasecurity/terraform-provider-petra/internal/devprofile"
	"github.com/petrasecurity/terraform-provider-petra/internal/lifeline"
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

	// Terraform discards provider logs unless TF_LOG or TF_LOG_PROVIDER is
	// set: do not produce them then.
	provider.QuietUncollectedLogs()
	// Developers' profiling hook (PETRA_DEV_PROFILE_DIR); a no-op otherwise.
	stopProfile := devprofile.Start()
	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	} else {
		// Terraform killed (kill -9, a CI timeout): stop at once rather than
		// go on sending requests whose results no state can record.
		stopWatch := lifeline.Watch(func() {
			log.Printf("[WARN] the Terraform process that started this provider is gone; stopping now, nothing more is sent")
			stopProfile()
			os.Exit(1)
		})
		defer stopWatch()
	}
	// The framework's server, wrapped so that its per-call contexts do not
	// pile up over a large run (provider.NewServer).
	err := tf6server.Serve(Address, provider.NewServer(provider.New(version)()), opts...)
	stopProfile()
	if err != nil {
		log.Fatal(err.Error())
	}
}
