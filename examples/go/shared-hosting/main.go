// Several mail domains on one shared hosting (MtaStsHosting), DNS in Route 53.
//
// Before the first `pulumi up`: `pulumi package add <git url of this repository>[@<tag>]`,
// which generates the SDK under sdks/mta-sts and points go.mod at it with a replace directive;
// then `go mod tidy`.
package main

import (
	"strings"

	"example.com/pulumi-mta-sts/sdk/go/mtasts"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		hosting, err := mtasts.NewMtaStsHosting(ctx, "hosting", &mtasts.MtaStsHostingArgs{
			Tags: map[string]string{"team": "mail"},
		})
		if err != nil {
			return err
		}
		shared := &mtasts.SharedHostingArgs{
			BucketName:        hosting.BucketName,
			DistributionId:    hosting.DistributionId,
			ConnectionGroupId: hosting.ConnectionGroupId,
			RoutingEndpoint:   hosting.RoutingEndpoint,
		}
		for _, domain := range []string{"example.com", "example.org"} {
			site, err := mtasts.NewMtaSts(ctx, strings.ReplaceAll(domain, ".", "-"), &mtasts.MtaStsArgs{
				Domain:  domain,
				Mx:      []string{"mx1." + domain},
				Route53: &mtasts.Route53ZoneArgs{ZoneName: pulumi.StringRef(domain)},
				Hosting: shared,
			})
			if err != nil {
				return err
			}
			ctx.Export(domain+" policyId", site.PolicyId)
		}
		ctx.Export("routingEndpoint", hosting.RoutingEndpoint)
		return nil
	})
}
