package main

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

// outputsJSON is `terraform output -json` of a warn-mode run: one tenant
// synced, one unchanged, one failed, with names that need escaping in CSV
// (commas, quotes) and Markdown (pipes), and another output beside it.
const outputsJSON = `{
  "zone": {"sensitive": false, "type": "string", "value": "Sandbox"},
  "billing_results": {
    "sensitive": false,
    "type": ["map", ["object", {"after": "number", "before": "number", "company": "string", "line": "string", "status": "string", "tenant": "string"}]],
    "value": {
      "ZZk90t": {"tenant": "Harbor Dental Group (ZZk90t)", "company": "Harbor Dental, Inc.", "line": "Managed | Secure / Petra M365", "before": 118, "after": 121, "status": "synced"},
      "Y3mPqr": {"tenant": "Northwind \"NW\" Logistics (Y3mPqr)", "company": "Northwind", "line": "Support / Petra M365", "before": 42, "after": 42, "status": "unchanged"},
      "Mv2Rt6": {"tenant": "Acme (Mv2Rt6)", "company": "Acme", "line": "Old / Petra M365", "before": null, "after": null, "status": "failed: Contract has ended: Contract \"Old\" ended on 2026-01-31. Billing cannot be synced to an expired contract."}
    }
  }
}`

// singleJSON is `terraform output -json billing_results`: the value alone.
const singleJSON = `{"ZZk90t": {"tenant": "Harbor (ZZk90t)", "company": "Harbor", "line": "A / B", "before": 1, "after": 2, "status": "synced"}}`

func TestRun(t *testing.T) {
	cases := []struct {
		name, in, format, output string
		want                     string
		wantErr                  string
	}{
		{
			name: "csv quotes commas and quotes", in: outputsJSON, format: "csv",
			want: "Tenant,Company,Line,Before,After,Status\n" +
				"Acme (Mv2Rt6),Acme,Old / Petra M365,-,-,\"failed: Contract has ended: Contract \"\"Old\"\" ended on 2026-01-31. Billing cannot be synced to an expired contract.\"\n" +
				"Harbor Dental Group (ZZk90t),\"Harbor Dental, Inc.\",Managed | Secure / Petra M365,118,121,synced\n" +
				"\"Northwind \"\"NW\"\" Logistics (Y3mPqr)\",Northwind,Support / Petra M365,42,42,unchanged\n",
		},
		{
			name: "markdown escapes pipes", in: outputsJSON, format: "markdown",
			want: "| Tenant | Company | Line | Before | After | Status |\n" +
				"|---|---|---|---:|---:|---|\n" +
				"| Acme (Mv2Rt6) | Acme | Old / Petra M365 | - | - | failed: Contract has ended: Contract \"Old\" ended on 2026-01-31. Billing cannot be synced to an expired contract. |\n" +
				"| Harbor Dental Group (ZZk90t) | Harbor Dental, Inc. | Managed \\| Secure / Petra M365 | 118 | 121 | synced |\n" +
				"| Northwind \"NW\" Logistics (Y3mPqr) | Northwind | Support / Petra M365 | 42 | 42 | unchanged |\n",
		},
		{
			name: "text aligns columns", in: singleJSON, format: "text",
			want: "Tenant           Company  Line   Before  After  Status\n" +
				"---------------  -------  -----  ------  -----  ------\n" +
				"Harbor (ZZk90t)  Harbor   A / B       1      2  synced\n",
		},
		{
			name: "single output value", in: singleJSON, format: "csv",
			want: "Tenant,Company,Line,Before,After,Status\nHarbor (ZZk90t),Harbor,A / B,1,2,synced\n",
		},
		{
			name: "markdown escapes backslashes and line breaks", format: "md",
			in:   `{"k": {"tenant": "T", "company": "C\\D", "line": "L\nM", "before": 0, "after": 0, "status": "unchanged"}}`,
			want: "| Tenant | Company | Line | Before | After | Status |\n|---|---|---|---:|---:|---|\n| T | C\\\\D | L M | 0 | 0 | unchanged |\n",
		},
		{
			name: "another output named", in: outputsJSON, format: "csv", output: "zone",
			wantErr: `output "zone" is not a map of results by tenant`,
		},
		{
			name: "output missing", in: `{"zone": {"sensitive": false, "type": "string", "value": "Sandbox"}}`, format: "csv",
			wantErr: `no output named "billing_results" (outputs: zone)`,
		},
		{name: "not JSON", in: `Outputs:`, format: "csv", wantErr: "the input is not a JSON object"},
		{name: "bad format", in: singleJSON, format: "html", wantErr: `unknown -format "html"`},
		{name: "no mappings", in: `{"billing_results": {"type": ["map", "string"], "value": {}}}`, format: "text", want: "No billing mappings in this run.\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			output := tc.output
			if output == "" {
				output = "billing_results"
			}
			var out bytes.Buffer
			err := run(strings.NewReader(tc.in), &out, tc.format, output)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tc.want {
				t.Fatalf("got:\n%s\nwant:\n%s", got, tc.want)
			}
			if tc.format == "csv" {
				// What a spreadsheet reads back is what the output said.
				recs, err := csv.NewReader(strings.NewReader(out.String())).ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range recs {
					if len(r) != 6 {
						t.Fatalf("row %q has %d cells, want 6", r, len(r))
					}
				}
			}
		})
	}
}
