package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// What every example and complete guide snippet declares, so that a copied
// configuration resolves the right provider on any supported CLI.
//
// The minimum is Terraform 1.7: the first version with for_each in import
// blocks (the importing guide). A configuration that calls a provider
// function (provider::petra::billing_report: the demo, the billing guide's
// nightly configuration) needs Terraform 1.8 and declares
// RequiredVersionFunctions. Only the versions `make test` (Terraform, 1.11
// here) and `make test-opentofu` (OpenTofu 1.10) run are tested; README
// says so.
const (
	RequiredVersion           = ">= 1.7"
	RequiredVersionFunctions  = ">= 1.8"
	ProviderSource            = "petrasecurity/petra"
	ProviderVersionConstraint = "~> 0.1"
)

var (
	requiredVersionRE = regexp.MustCompile(`(?m)^\s*required_version\s*=\s*"([^"]*)"`)
	petraSourceRE     = regexp.MustCompile(`(?s)petra\s*=\s*\{[^}]*source\s*=\s*"([^"]*)"[^}]*\}`)
	petraVersionRE    = regexp.MustCompile(`(?s)petra\s*=\s*\{[^}]*version\s*=\s*"([^"]*)"[^}]*\}`)
)

// checkTerraformBlock returns what is wrong with a configuration's terraform
// block ("" when it declares the required version and the provider's source
// and version constraint).
func checkTerraformBlock(config string) string {
	var problems []string
	m := requiredVersionRE.FindStringSubmatch(config)
	switch {
	case strings.Contains(config, "provider::"):
		if m == nil || m[1] != RequiredVersionFunctions {
			problems = append(problems, fmt.Sprintf("required_version = %q (it calls a provider function)", RequiredVersionFunctions))
		}
	case m == nil || (m[1] != RequiredVersion && m[1] != RequiredVersionFunctions):
		problems = append(problems, fmt.Sprintf("required_version = %q", RequiredVersion))
	}
	if m := petraSourceRE.FindStringSubmatch(config); m == nil || m[1] != ProviderSource {
		problems = append(problems, fmt.Sprintf("source = %q", ProviderSource))
	}
	if m := petraVersionRE.FindStringSubmatch(config); m == nil || m[1] != ProviderVersionConstraint {
		problems = append(problems, fmt.Sprintf("version = %q", ProviderVersionConstraint))
	}
	if len(problems) == 0 {
		return ""
	}
	return fmt.Sprintf("the terraform block must declare %v (terraform { required_version = %q; required_providers "+
		"{ petra = { source = %q, version = %q } } }), so that a copy works on its own", problems, RequiredVersion,
		ProviderSource, ProviderVersionConstraint)
}

var changelogVersionRE = regexp.MustCompile(`(?m)^## ([0-9]+)\.([0-9]+)\.([0-9]+)\b`)

// ModuleVersion is the provider's version: the newest version heading of
// CHANGELOG.md, as `make install` reads it.
func ModuleVersion() (string, error) {
	b, err := os.ReadFile(filepath.Join(repoRoot(), "CHANGELOG.md"))
	if err != nil {
		return "", err
	}
	m := changelogVersionRE.FindStringSubmatch(string(b))
	if m == nil {
		return "", fmt.Errorf("CHANGELOG.md has no '## X.Y.Z' heading")
	}
	return m[1] + "." + m[2] + "." + m[3], nil
}

var pessimisticRE = regexp.MustCompile(`^~>\s*([0-9]+)\.([0-9]+)$`)

// constraintAllows reports whether a "~> X.Y" constraint admits version
// "A.B.C": A == X and B >= Y.
func constraintAllows(constraint, version string) (bool, error) {
	c := pessimisticRE.FindStringSubmatch(constraint)
	v := regexp.MustCompile(`^([0-9]+)\.([0-9]+)\.([0-9]+)$`).FindStringSubmatch(version)
	if c == nil || v == nil {
		return false, fmt.Errorf("cannot compare %q with %q", constraint, version)
	}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	return atoi(v[1]) == atoi(c[1]) && atoi(v[2]) >= atoi(c[2]), nil
}
