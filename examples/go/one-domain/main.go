// MTA-STS and TLS-RPT for one mail domain, DNS in Route 53.
//
// Before the first `pulumi up`: `pulumi package add <git url of this repository>[@<tag>]`,
// which generates the SDK under sdks/mta-sts and points go.mod at it with a replace directive;
// then `go mod tidy`.
package main

import (
	"example.com/pulumi-mta-sts/sdk/go/mtasts"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		mode := mtasts.PolicyModeTesting
		mail, err := mtasts.NewMtaSts(ctx, "mail", &mtasts.MtaStsArgs{
			Domain: "example.com",
			Mode:   &mode,
			Mx:     []string{"mx1.example.com", "*.mail.example.net"},
			MaxAge: pulumi.Float64Ref(604800),
			TlsRpt: &mtasts.TlsRptArgs{
				Rua: []string{"mailto:tlsrpt@example.com"},
			},
			Route53: &mtasts.Route53ZoneArgs{
				ZoneName: pulumi.StringRef("example.com"),
			},
			Tags: map[string]string{"team": "mail"},
		})
		if err != nil {
			return err
		}
		ctx.Export("policyId", mail.PolicyId)
		ctx.Export("policyUrl", mail.PolicyUrl)
		ctx.Export("mtaStsRecord", mail.MtaStsRecord)
		ctx.Export("tlsRptRecord", mail.TlsRptRecord)
		return nil
	})
}
