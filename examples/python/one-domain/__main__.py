"""MTA-STS and TLS-RPT for one mail domain, DNS in Route 53.

Before the first `pulumi up`: `pulumi package add <git url of this repository>[@<tag>]`,
which generates the `pulumi_mta_sts` SDK under sdks/ and adds it to requirements.txt.
"""
import pulumi
import pulumi_mta_sts as mta_sts

mail = mta_sts.MtaSts(
    "mail",
    domain="example.com",
    mode=mta_sts.PolicyMode.TESTING,
    mx=["mx1.example.com", "*.mail.example.net"],
    max_age=604800,
    tls_rpt=mta_sts.TlsRptArgs(rua=["mailto:tlsrpt@example.com"]),
    route53=mta_sts.Route53ZoneArgs(zone_name="example.com"),
    tags={"team": "mail"},
)

pulumi.export("policy_id", mail.policy_id)
pulumi.export("policy_url", mail.policy_url)
pulumi.export("mta_sts_record", mail.mta_sts_record)
pulumi.export("tls_rpt_record", mail.tls_rpt_record)
