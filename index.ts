/**
 * The ready-to-run program: stack config in, one MtaSts per domain out.
 * `pulumi stack init example.com` deploys example.com; a `domains` list serves several.
 */
import * as pulumi from "@pulumi/pulumi";
import {
    MtaSts,
    MtaStsArgs,
    MtaStsArgsError,
    PolicyMode,
    PriceClass,
    TlsRptReceiver,
    TlsRptReceiverArgs,
    normalizeHostname,
    validateMtaStsArgs,
} from "./components";

const config = new pulumi.Config();

// Pulumi.yaml declares "" / [] defaults so that optional keys are not demanded by the CLI.
const domainList = config.getObject<string[]>("domains") ?? [];
const singleDomain = config.get("domain") || undefined;
if (domainList.length > 0 && singleDomain !== undefined) {
    throw new Error(
        `config: set "domain" or "domains", not both (domain "${singleDomain}", domains ${JSON.stringify(domainList)})`,
    );
}
const domains = domainList.length > 0 ? domainList : [singleDomain ?? pulumi.getStack()];
checkDomainList(domains);

const dnsProvider = config.get("dnsProvider") || "route53";
if (dnsProvider !== "route53" && dnsProvider !== "cloudflare") {
    throw new Error(`config dnsProvider "${dnsProvider}": must be "route53" or "cloudflare"`);
}
const zoneId = config.get("zoneId") || undefined;
const zoneName = config.get("zoneName") || undefined;
const rua = config.getObject<string[]>("rua") ?? [];
const existingCertificateArn = config.get("certificateArn") || undefined;
if (existingCertificateArn !== undefined && domains.length > 1) {
    throw new Error(`config certificateArn: one certificate cannot cover ${domains.length} domains; leave it out`);
}

// One receiver for the stack: every domain's reports go to the same endpoint and bucket.
const receiver = config.getBoolean("tlsRptReceiver") ? new TlsRptReceiver("tlsrpt", receiverArgs()) : undefined;
const tlsRpt: MtaStsArgs["tlsRpt"] =
    rua.length > 0 || receiver !== undefined
        ? { ...(rua.length > 0 ? { rua } : {}), ...(receiver !== undefined ? { receiver } : {}) }
        : undefined;

function receiverArgs(): TlsRptReceiverArgs {
    const emailDomain = config.get("tlsRptEmailDomain") || undefined;
    if (emailDomain === undefined) {
        return { domains };
    }
    // The reporting subdomain's records go into the configured zone, or the zone of the domain it is under.
    const parent = domains.find((domain) => emailDomain.endsWith(`.${domain}`));
    const zone = zoneId !== undefined ? { zoneId } : { zoneName: zoneName ?? parent ?? emailDomain };
    return {
        domains,
        email: {
            domain: emailDomain,
            ...(dnsProvider === "route53" ? { route53: zone } : { cloudflare: zone }),
            activateRuleSet: config.getBoolean("tlsRptActivateRuleSet") ?? false,
        },
    };
}

function argsFor(domain: string): MtaStsArgs {
    // Without zoneId or zoneName, each domain's records go into the zone of the same name.
    const zone = zoneId !== undefined ? { zoneId } : { zoneName: zoneName ?? domain };
    const args: MtaStsArgs = {
        domain,
        mode: config.get("mode") as PolicyMode | undefined,
        mx: config.requireObject<string[]>("mx"),
        maxAge: config.getNumber("maxAge"),
        tlsRpt,
        ...(dnsProvider === "route53" ? { route53: zone } : { cloudflare: zone }),
        ttl: config.getNumber("ttl"),
        priceClass: config.get("priceClass") as PriceClass | undefined,
        certificateArn: existingCertificateArn,
        preflight: config.getBoolean("preflight"),
        preflightTimeout: config.getNumber("preflightTimeout"),
    };
    // Leave unset keys out, so the component's defaults apply.
    return Object.fromEntries(Object.entries(args).filter(([, value]) => value !== undefined)) as MtaStsArgs;
}

/** Two entries for one domain would create two components that fight over the same records. */
function checkDomainList(list: unknown[]): void {
    const problems: string[] = [];
    const seen = new Map<string, number>();
    // An index loop, so holes in the list are checked too.
    for (let index = 0; index < list.length; index++) {
        const name = normalizeHostname(`domains[${index}]`, list[index], problems);
        if (name === undefined) continue;
        const first = seen.get(name);
        if (first !== undefined) {
            problems.push(
                `domains[${index}] ${JSON.stringify(list[index])}: the same domain as domains[${first}] ${JSON.stringify(list[first])} ` +
                    `(both are ${name}); list each domain once`,
            );
        } else {
            seen.set(name, index);
        }
    }
    if (problems.length > 0) {
        throw new Error(
            `config domains: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
        );
    }
}

// Every domain's arguments are checked before any component exists, so one run reports them all.
const failures = domains.flatMap((domain) => {
    try {
        validateMtaStsArgs(domain, argsFor(domain));
        return [];
    } catch (error) {
        if (error instanceof MtaStsArgsError) return [error];
        throw error;
    }
});
if (failures.length === 1) throw failures[0];
if (failures.length > 1) {
    throw new Error(`${failures.length} domains have invalid arguments:\n${failures.map((f) => f.message).join("\n")}`);
}

const sites = domains.map((domain) => ({ domain, site: new MtaSts(domain, argsFor(domain)) }));

/** What one domain published, leaving out the TLS-RPT record when none was asked for. */
function publishedBy(site: MtaSts): Record<string, pulumi.Output<string | undefined>> {
    return {
        policyId: site.policyId,
        policyText: site.policyText,
        policyUrl: site.policyUrl,
        mtaStsRecord: site.mtaStsRecord,
        ...(tlsRpt !== undefined ? { tlsRptRecord: site.tlsRptRecord } : {}),
        certificateArn: site.certificateArn,
        distributionId: site.distributionId,
        distributionDomainName: site.distributionDomainName,
        bucketName: site.bucketName,
    };
}

// Stack outputs: every domain under `mtaSts.<domain>`, and with one domain (the default) its outputs
// also at the top level, so `pulumi stack output policyId` works. Nothing undefined is exported,
// because Pulumi warns about each undefined output.
export = {
    mtaSts: Object.fromEntries(sites.map(({ domain, site }) => [domain, publishedBy(site)])),
    ...(sites.length === 1 ? publishedBy(sites[0].site) : {}),
    ...(receiver !== undefined
        ? {
              tlsRptReceiver: {
                  endpointUrl: receiver.endpointUrl,
                  bucketName: receiver.bucketName,
                  prefix: receiver.prefix,
                  ...(receiver.mailto !== undefined ? { mailto: receiver.mailto } : {}),
              },
          }
        : {}),
};
