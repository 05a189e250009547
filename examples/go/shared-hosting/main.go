// Several mail domains on one shared hosting (MtaStsHosting), DNS in Route 53, sending their
// TLS reports to one TlsRptReceiver.
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
		domains := []string{"example.com", "example.org"}
		hosting, err := mtasts.NewMtaStsHosting(ctx, "hosting", &mtasts.MtaStsHostingArgs{
			Tags: map[string]string{"team": "mail"},
		})
		if err != nil {
			return err
		}
		reports, err := mtasts.NewTlsRptReceiver(ctx, "reports", &mtasts.TlsRptReceiverArgs{
			Domains: domains,
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
		for _, domain := range domains {
			site, err := mtasts.NewMtaSts(ctx, strings.ReplaceAll(domain, ".", "-"), &mtasts.MtaStsArgs{
				Domain:  domain,
				Mx:      []string{"mx1." + domain},
				TlsRpt: &mtasts.TlsRptArgs{
					Receiver: &mtasts.TlsRptReceiverRefArgs{EndpointUrl: reports.EndpointUrl},
				},
				Route53: &mtasts.Route53ZoneArgs{ZoneName: pulumi.StringRef(domain)},
				Hosting: shared,
			})
			if err != nil {
				return err
			}
			ctx.Export(domain+" policyId", site.PolicyId)
		}
		ctx.Export("routingEndpoint", hosting.RoutingEndpoint)
		ctx.Export("reportsBucket", reports.BucketName)
		return nil
	})
}
