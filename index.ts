/**
 * The ready-to-run program: stack config in, one MtaSts per domain out.
 * `pulumi stack init example.com` deploys example.com on its own distribution;
 * a `domains` list shares one MtaStsHosting; `hostingStack` attaches to another
 * stack's hosting; `hostingOnly` makes a stack that is only the hosting.
 */
import * as pulumi from "@pulumi/pulumi";
import {
    MtaSts,
    MtaStsArgs,
    MtaStsArgsError,
    MtaStsHosting,
    PolicyMode,
    PriceClass,
    SharedHosting,
    TlsRptReceiver,
    TlsRptReceiverArgs,
    TlsRptReceiverRef,
    normalizeHostname,
    prefetchMxPreflight,
    validateMtaStsArgs,
} from "./components";

const config = new pulumi.Config();

// Pulumi.yaml declares "" / [] / false defaults so that optional keys are not demanded by the CLI.
const domainList = config.getObject<string[]>("domains") ?? [];
const singleDomain = config.get("domain") || undefined;
if (domainList.length > 0 && singleDomain !== undefined) {
    throw new Error(
        `config: set "domain" or "domains", not both (domain "${singleDomain}", domains ${JSON.stringify(domainList)})`,
    );
}
const hostingOnly = config.getBoolean("hostingOnly") ?? false;
const hostingStack = config.get("hostingStack") || undefined;
if (hostingOnly && (domainList.length > 0 || singleDomain !== undefined || hostingStack !== undefined)) {
    throw new Error(
        `config hostingOnly: a hosting stack publishes no domain and attaches to no other hosting; ` +
            `leave domain, domains and hostingStack out, and attach the domains' stacks to it with hostingStack`,
    );
}
// A domains list is served from one shared hosting unless sharedHosting is false: each domain then
// keeps its own distribution, as a domains stack deployed before shared hosting existed does.
const sharedHosting = config.getBoolean("sharedHosting") ?? true;
if (!sharedHosting && (hostingOnly || hostingStack !== undefined)) {
    throw new Error(
        `config sharedHosting false: each domain gets its own distribution, so there is no shared hosting to ` +
            `${hostingOnly ? "create (hostingOnly)" : `attach to (hostingStack "${hostingStack}")`}; leave sharedHosting out`,
    );
}
const domains = hostingOnly ? [] : domainList.length > 0 ? domainList : [singleDomain ?? pulumi.getStack()];
checkDomainList(domains);
const retired = retiredDomains(config.getObject<string[]>("retire") ?? [], domains);

const dnsProvider = config.get("dnsProvider") || "route53";
if (dnsProvider !== "route53" && dnsProvider !== "cloudflare") {
    throw new Error(`config dnsProvider "${dnsProvider}": must be "route53" or "cloudflare"`);
}
const mx = config.getObject<string[]>("mx") ?? [];
if (domains.length > 0 && mx.length === 0) {
    throw new Error(
        `config mta-sts:mx: required for a stack that publishes a domain, e.g. pulumi config set --path 'mx[0]' mx1.example.com; ` +
            `only a hostingOnly stack goes without`,
    );
}
const zoneId = config.get("zoneId") || undefined;
const zoneName = config.get("zoneName") || undefined;
const rua = config.getObject<string[]>("rua") ?? [];
const existingCertificateArn = config.get("certificateArn") || undefined;
if (existingCertificateArn !== undefined && domains.length > 1) {
    throw new Error(`config certificateArn: one certificate cannot cover ${domains.length} domains; leave it out`);
}

// One receiver for the stack: every domain's reports go to the same endpoint and bucket. It is
// created below, once every domain's arguments are known to be valid, so bad config creates nothing.
const wantsReceiver = config.getBoolean("tlsRptReceiver") ?? false;

/** The domains' TLS-RPT settings: `rua`, then the receiver's URIs. */
function tlsRptFor(receiver: TlsRptReceiverRef | undefined): MtaStsArgs["tlsRpt"] {
    return rua.length > 0 || receiver !== undefined
        ? { ...(rua.length > 0 ? { rua } : {}), ...(receiver !== undefined ? { receiver } : {}) }
        : undefined;
}

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

/**
 * Where the policies are served from: another stack's hosting, a hosting of this
 * stack's own (a domains list, or a hosting stack), or none (one domain on its
 * own distribution).
 */
function chooseHosting(): { hosting?: SharedHosting; own?: MtaStsHosting } {
    if (hostingStack !== undefined) {
        const exported = new pulumi.StackReference(hostingStack).requireOutput("hosting");
        const field = (name: keyof SharedHosting) =>
            exported.apply((hosting: Record<string, string> | undefined) => {
                if (typeof hosting?.[name] !== "string") {
                    throw new Error(`config hostingStack "${hostingStack}": its hosting output has no ${name}`);
                }
                return hosting[name];
            });
        return {
            hosting: {
                bucketName: field("bucketName"),
                distributionId: field("distributionId"),
                connectionGroupId: field("connectionGroupId"),
                routingEndpoint: field("routingEndpoint"),
            },
        };
    }
    if (hostingOnly || (domainList.length > 0 && sharedHosting)) {
        const own = new MtaStsHosting("hosting", {});
        return { hosting: own, own };
    }
    return {};
}
const managedCertificate = config.getBoolean("cloudFrontManagedCertificate");

function argsFor(
    domain: string,
    hosting: SharedHosting | undefined,
    receiver: TlsRptReceiverRef | undefined,
): MtaStsArgs {
    // Without zoneId or zoneName, each domain's records go into the zone of the same name.
    const zone = zoneId !== undefined ? { zoneId } : { zoneName: zoneName ?? domain };
    const args: MtaStsArgs = {
        domain,
        // RFC 8461 §8.3: a domain on its way out publishes mode none with a short max_age.
        ...(retired.has(normalizeHostname("domain", domain, []) ?? domain)
            ? { mode: PolicyMode.None, maxAge: RETIRING_MAX_AGE }
            : { mode: config.get("mode") as PolicyMode | undefined, maxAge: config.getNumber("maxAge") }),
        mx,
        tlsRpt: tlsRptFor(receiver),
        ...(dnsProvider === "route53" ? { route53: zone } : { cloudflare: zone }),
        ttl: config.getNumber("ttl"),
        certificateArn: existingCertificateArn,
        preflight: config.getBoolean("preflight"),
        preflightDnsServer: config.get("preflightDnsServer") || undefined,
        preflightTimeout: config.getNumber("preflightTimeout"),
        ...(hosting !== undefined
            ? { hosting, cloudFrontManagedCertificate: managedCertificate }
            : {
                  priceClass: config.get("priceClass") as PriceClass | undefined,
                  originAccessControlId: config.get("originAccessControlId") || undefined,
              }),
    };
    // Leave unset keys out, so the component's defaults apply.
    return Object.fromEntries(Object.entries(args).filter(([, value]) => value !== undefined)) as MtaStsArgs;
}

/** Every problem at once, one per line, before anything is created. */
function throwConfigProblems(what: string, problems: string[]): void {
    if (problems.length > 0) {
        throw new Error(`${what}: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    }
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
    throwConfigProblems("config domains", problems);
}

/** The max_age a retiring domain publishes: one day, as RFC 8461 §8.3 suggests. */
const RETIRING_MAX_AGE = 86400;

/** The normalised names in `retire`, each of which must be one of the stack's domains. */
function retiredDomains(list: unknown[], stackDomains: string[]): Set<string> {
    const problems: string[] = [];
    const known = new Set(stackDomains.map((domain) => normalizeHostname("domain", domain, [])));
    const names = new Set<string>();
    for (let index = 0; index < list.length; index++) {
        const name = normalizeHostname(`retire[${index}]`, list[index], problems);
        if (name === undefined) continue;
        if (!known.has(name)) {
            problems.push(
                `retire[${index}] ${JSON.stringify(list[index])}: not one of this stack's domains (${stackDomains.join(", ") || "none"})`,
            );
        }
        names.add(name);
    }
    throwConfigProblems("config retire", problems);
    return names;
}

// Every domain's arguments are checked before the shared hosting exists, so bad config creates nothing.
const sharedHostingPlanned = hostingStack !== undefined || (domainList.length > 0 && sharedHosting);
checkHostingConfig();

/** Config keys that would otherwise be ignored silently because they do not apply to this stack's hosting. */
function checkHostingConfig(): void {
    const problems: string[] = [];
    const hostingNames = "a domains list, or hostingStack";
    if (domains.length > 0 && sharedHostingPlanned) {
        const oac = config.get("originAccessControlId");
        if (oac) {
            problems.push(
                `originAccessControlId "${oac}": applies to domains on their own distributions; shared hosting has one origin access control of its own`,
            );
        }
        const priceClass = config.get("priceClass");
        if (priceClass && priceClass !== "PriceClass_100") {
            problems.push(
                `priceClass "${priceClass}": applies to domains on their own distributions; leave it at PriceClass_100 with shared hosting`,
            );
        }
    } else if (domains.length > 0 && config.getBoolean("cloudFrontManagedCertificate")) {
        problems.push(
            `cloudFrontManagedCertificate true: applies to shared hosting (${hostingNames}); a domain on its own distribution gets an ACM certificate`,
        );
    }
    const emailDomain = config.get("tlsRptEmailDomain");
    if (!config.getBoolean("tlsRptReceiver") && emailDomain) {
        problems.push(`tlsRptEmailDomain "${emailDomain}": needs tlsRptReceiver true`);
    }
    if (config.getBoolean("tlsRptActivateRuleSet") && !emailDomain) {
        problems.push(`tlsRptActivateRuleSet true: needs tlsRptEmailDomain (there is no rule set without mail)`);
    }
    throwConfigProblems("config", problems);
}
const placeholder: SharedHosting = {
    bucketName: "planned",
    distributionId: "planned",
    connectionGroupId: "planned",
    routingEndpoint: "planned",
};
// Known only at deployment, like the real receiver's, so validation leaves their check to then.
const plannedReceiver: TlsRptReceiverRef | undefined = wantsReceiver
    ? { endpointUrl: pulumi.output("https://planned.invalid/") }
    : undefined;
const failures = domains.flatMap((domain) => {
    try {
        validateMtaStsArgs(domain, argsFor(domain, sharedHostingPlanned ? placeholder : undefined, plannedReceiver));
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

// One DNS wait for the whole stack, not one per domain: every preflight is resolved in one batch.
if (domains.length > 1 && config.getBoolean("preflight")) {
    const { preflightDnsServer, preflightTimeout } = argsFor(domains[0], undefined, undefined);
    prefetchMxPreflight(domains, { preflightDnsServer, timeoutSeconds: preflightTimeout });
}

const receiver = wantsReceiver ? new TlsRptReceiver("tlsrpt", receiverArgs()) : undefined;
const tlsRpt = tlsRptFor(receiver);
const { hosting, own: ownHosting } = chooseHosting();
const sites = domains.map((domain) => ({ domain, site: new MtaSts(domain, argsFor(domain, hosting, receiver)) }));

/** What one domain published and where, leaving out what does not apply to it. */
function publishedBy(site: MtaSts): Record<string, pulumi.Output<string | undefined>> {
    return {
        policyId: site.policyId,
        policyText: site.policyText,
        policyUrl: site.policyUrl,
        mtaStsRecord: site.mtaStsRecord,
        ...(tlsRpt !== undefined ? { tlsRptRecord: site.tlsRptRecord } : {}),
        ...(hosting === undefined || !managedCertificate ? { certificateArn: site.certificateArn } : {}),
        distributionId: site.distributionId,
        distributionDomainName: site.distributionDomainName,
        ...(hosting !== undefined ? { distributionTenantId: site.distributionTenantId } : {}),
        bucketName: site.bucketName,
        policyObjectKey: site.policyObjectKey,
    };
}

// Stack outputs: every domain under `mtaSts.<domain>`, and with one domain (the default) its outputs
// also at the top level, so `pulumi stack output policyId` works. A stack that owns a hosting exports
// it as `hosting`, which other stacks read through hostingStack. Nothing undefined is exported,
// because Pulumi warns about each undefined output.
export = {
    mtaSts: Object.fromEntries(sites.map(({ domain, site }) => [domain, publishedBy(site)])),
    ...(sites.length === 1 ? publishedBy(sites[0].site) : {}),
    ...(ownHosting !== undefined
        ? {
              hosting: {
                  bucketName: ownHosting.bucketName,
                  distributionId: ownHosting.distributionId,
                  connectionGroupId: ownHosting.connectionGroupId,
                  routingEndpoint: ownHosting.routingEndpoint,
              },
          }
        : {}),
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
