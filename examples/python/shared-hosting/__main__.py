"""Several mail domains on one shared hosting (MtaStsHosting), DNS in Route 53.

One bucket, one multi-tenant CloudFront distribution and one connection group serve every
domain; each domain adds its policy object, a distribution tenant, a certificate and its
DNS records. Every domain sends its TLS reports to one TlsRptReceiver. Before the first `pulumi up`: `pulumi package add <git url of this repository>[@<tag>]`.
"""
import pulumi
import pulumi_mta_sts as mta_sts

domains = ["example.com", "example.org"]
hosting = mta_sts.MtaStsHosting("hosting", tags={"team": "mail"})
reports = mta_sts.TlsRptReceiver("reports", domains=domains)
shared = mta_sts.SharedHostingArgs(
    bucket_name=hosting.bucket_name,
    distribution_id=hosting.distribution_id,
    connection_group_id=hosting.connection_group_id,
    routing_endpoint=hosting.routing_endpoint,
)

for domain in domains:
    site = mta_sts.MtaSts(
        domain.replace(".", "-"),
        domain=domain,
        mode=mta_sts.PolicyMode.TESTING,
        mx=[f"mx1.{domain}"],
        tls_rpt=mta_sts.TlsRptArgs(
            receiver=mta_sts.TlsRptReceiverRefArgs(endpoint_url=reports.endpoint_url),
        ),
        route53=mta_sts.Route53ZoneArgs(zone_name=domain),
        hosting=shared,
    )
    pulumi.export(f"{domain} policy_id", site.policy_id)

pulumi.export("routing_endpoint", hosting.routing_endpoint)
pulumi.export("reports_bucket", reports.bucket_name)
