/**
 * The receiver's arguments as plain data: defaults, the rules each one follows,
 * and the S3 key layout the handler writes. Pure: no Pulumi, no I/O, so
 * `pulumi preview` fails on bad input before anything is registered.
 */
import { checkTags, isPromiseOrOutput, normalizeHostname, show } from "../core/validate";

/** Reports arrive daily per sender; a year of them shows seasonal senders and the whole rollout. */
export const DEFAULT_EXPIRATION_DAYS = 365;
/**
 * Concurrent invocations reserved for the handler, which also caps them (RFC 8460 §7: a flood of
 * reports must not become a bill). A handful of senders post once a day, so 5 is ample.
 */
export const DEFAULT_RESERVED_CONCURRENCY = 5;
/** `-1`: take no reservation, for accounts whose concurrency quota leaves nothing to reserve. */
export const UNRESERVED = -1;
export const DEFAULT_PREFIX = "tlsrpt/";
export const DEFAULT_LOCAL_PART = "tlsrpt";
export const DEFAULT_EMAIL_TTL = 300;

/**
 * Regions where SES receives mail (AWS General Reference, "Amazon SES endpoints", email receiving
 * endpoints). Elsewhere SES offers sending only, and a receipt rule set cannot be created.
 */
export const SES_RECEIVING_REGIONS: readonly string[] = [
    "us-east-1",
    "us-east-2",
    "us-west-2",
    "ca-central-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "ap-northeast-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
];

/** Lambda's own cap on reserved concurrency per function is the account's limit; this bounds typos. */
const MAX_RESERVED_CONCURRENCY = 1000;
/** S3 lifecycle expiration takes whole days; 100 years is "practically never" without disabling it. */
const MAX_EXPIRATION_DAYS = 36500;
/** S3 keys are 1024 bytes; the prefix leaves room for `reports/YYYY/MM/DD/<key>.json`. */
const MAX_PREFIX_LENGTH = 200;
const MIN_TTL = 60;
const MAX_TTL = 86400;

/** What the validator accepts: `TlsRptReceiverArgs` with every field unknown (YAML and JS callers bypass the types). */
export interface RawTlsRptReceiverArgs {
    domains?: unknown;
    prefix?: unknown;
    expirationDays?: unknown;
    reservedConcurrency?: unknown;
    forceDestroy?: unknown;
    tags?: unknown;
    email?: unknown;
}

export interface RawTlsRptReceiverEmailArgs {
    domain?: unknown;
    localPart?: unknown;
    route53?: unknown;
    cloudflare?: unknown;
    ttl?: unknown;
    activateRuleSet?: unknown;
}

const KNOWN_ARGUMENTS: readonly (keyof RawTlsRptReceiverArgs)[] = [
    "domains",
    "prefix",
    "expirationDays",
    "reservedConcurrency",
    "forceDestroy",
    "tags",
    "email",
];
const KNOWN_EMAIL_ARGUMENTS: readonly (keyof RawTlsRptReceiverEmailArgs)[] = [
    "domain",
    "localPart",
    "route53",
    "cloudflare",
    "ttl",
    "activateRuleSet",
];

export interface ValidatedReceiverEmail {
    /** The reporting subdomain that gets the SES MX record, lowercase A-labels. */
    domain: string;
    /** `<localPart>@<domain>`, the address published as `mailto:`. */
    address: string;
    dns: { provider: "route53" | "cloudflare"; zoneId?: unknown; zoneName?: string };
    ttl: number;
    activateRuleSet: boolean;
}

export interface ValidatedTlsRptReceiverArgs {
    /** Policy domains whose reports are kept; empty keeps every report. */
    domains: string[];
    prefix: string;
    expirationDays: number;
    reservedConcurrency: number;
    forceDestroy: boolean;
    tags?: unknown;
    email?: ValidatedReceiverEmail;
}

/** Thrown when any receiver argument is invalid; lists every problem at once. */
export class TlsRptReceiverArgsError extends Error {
    constructor(
        readonly componentName: string,
        readonly problems: readonly string[],
    ) {
        const count = problems.length === 1 ? "1 invalid argument" : `${problems.length} invalid arguments`;
        super(
            `TlsRptReceiver "${componentName}": ${count}:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`,
        );
        this.name = "TlsRptReceiverArgsError";
    }
}

/**
 * Checks every receiver argument and returns them normalised with defaults
 * applied, or throws one TlsRptReceiverArgsError listing every problem.
 * `region`, when known before deployment, is checked against SES's receiving regions.
 */
export function validateTlsRptReceiverArgs(
    componentName: string,
    raw: RawTlsRptReceiverArgs,
    region?: string,
): ValidatedTlsRptReceiverArgs {
    if (raw === null || typeof raw !== "object") {
        throw new TlsRptReceiverArgsError(componentName, [`args: expected an object, got ${show(raw)}`]);
    }
    const problems: string[] = [];
    problems.push(...unknownArguments("", raw, KNOWN_ARGUMENTS));
    const domains = checkDomains(raw.domains, problems);
    const prefix = checkPrefix(raw.prefix, problems);
    const expirationDays = checkWholeNumber(
        "expirationDays",
        raw.expirationDays,
        DEFAULT_EXPIRATION_DAYS,
        1,
        MAX_EXPIRATION_DAYS,
        "days after which stored reports are deleted",
        problems,
    );
    const reservedConcurrency = checkReservedConcurrency(raw.reservedConcurrency, problems);
    const forceDestroy = checkBoolean("forceDestroy", raw.forceDestroy, problems);
    checkTags(raw.tags, problems);
    const email = raw.email === undefined ? undefined : checkEmail(raw.email, domains ?? [], region, problems);

    if (problems.length > 0) {
        throw new TlsRptReceiverArgsError(componentName, problems);
    }
    return {
        domains: domains!,
        prefix: prefix!,
        expirationDays: expirationDays!,
        reservedConcurrency: reservedConcurrency!,
        forceDestroy: forceDestroy!,
        ...(raw.tags !== undefined ? { tags: raw.tags } : {}),
        ...(email !== undefined ? { email } : {}),
    };
}

/** The SES MX target for a receiving region. */
export function sesInboundHost(region: string): string {
    return `inbound-smtp.${region}.amazonaws.com`;
}

/** Why SES cannot receive in `region`, or undefined when it can. */
export function sesRegionProblem(region: string): string | undefined {
    if (SES_RECEIVING_REGIONS.includes(region)) return undefined;
    return (
        `email: SES receives mail only in ${SES_RECEIVING_REGIONS.join(", ")}; the region is "${region}". ` +
        `Deploy the receiver with a provider in one of those regions, or leave email out and use the https endpoint alone`
    );
}

function unknownArguments(path: string, raw: object, known: readonly string[]): string[] {
    return Object.keys(raw)
        .filter((key) => !known.includes(key))
        .map((key) => {
            const suggestion = known.find((name) => name.toLowerCase() === key.toLowerCase());
            const hint = suggestion ? `did you mean "${suggestion}"?` : `known arguments are ${known.join(", ")}`;
            return `${path}${key}: unknown argument; ${hint}`;
        });
}

function checkDomains(raw: unknown, problems: string[]): string[] | undefined {
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) {
        problems.push(
            `domains ${show(raw)}: must be a list of mail domains, e.g. ["example.com"]; leave it out to keep every report`,
        );
        return undefined;
    }
    const domains: string[] = [];
    let valid = true;
    // A for loop, not forEach: forEach skips holes, and a hole is a mistake worth naming.
    for (let index = 0; index < raw.length; index++) {
        const domain = normalizeHostname(`domains[${index}]`, raw[index], problems);
        if (domain === undefined) valid = false;
        else if (!domains.includes(domain)) domains.push(domain);
    }
    return valid ? domains : undefined;
}

/** Characters S3 documents as safe in keys, so no prefix ever needs escaping in a policy ARN. */
const SAFE_PREFIX = /^[A-Za-z0-9!_.*'()/-]+$/;

function checkPrefix(raw: unknown, problems: string[]): string | undefined {
    if (raw === undefined) return DEFAULT_PREFIX;
    const rule =
        `must be 1 to ${MAX_PREFIX_LENGTH} of A-Z, a-z, 0-9 and !_.*'()/-, ending in "/" and not starting with "/", ` +
        `without empty or "." / ".." segments, e.g. "${DEFAULT_PREFIX}"`;
    if (
        typeof raw !== "string" ||
        raw.length > MAX_PREFIX_LENGTH ||
        !SAFE_PREFIX.test(raw) ||
        !raw.endsWith("/") ||
        raw
            .slice(0, -1)
            .split("/")
            .some((segment) => segment === "" || segment === "." || segment === "..")
    ) {
        problems.push(`prefix ${show(raw)}: ${rule}`);
        return undefined;
    }
    // IAM policies treat `*` and `?` in a Resource as wildcards; a literal one would widen the grant.
    if (raw.includes("*")) {
        problems.push(`prefix ${show(raw)}: must not contain "*", which IAM reads as a wildcard`);
        return undefined;
    }
    return raw;
}

function checkWholeNumber(
    argument: string,
    raw: unknown,
    fallback: number,
    min: number,
    max: number,
    meaning: string,
    problems: string[],
): number | undefined {
    if (raw === undefined) return fallback;
    if (typeof raw === "number" && Number.isSafeInteger(raw) && raw >= min && raw <= max) return raw;
    problems.push(`${argument} ${show(raw)}: must be a whole number from ${min} to ${max} (${meaning})`);
    return undefined;
}

function checkReservedConcurrency(raw: unknown, problems: string[]): number | undefined {
    if (raw === undefined) return DEFAULT_RESERVED_CONCURRENCY;
    if (typeof raw === "number" && Number.isSafeInteger(raw)) {
        if (raw === UNRESERVED || (raw >= 1 && raw <= MAX_RESERVED_CONCURRENCY)) return raw;
    }
    problems.push(
        `reservedConcurrency ${show(raw)}: must be a whole number from 1 to ${MAX_RESERVED_CONCURRENCY}, ` +
            `or ${UNRESERVED} to reserve nothing (for accounts whose concurrency quota leaves none to reserve); ` +
            `0 would refuse every report`,
    );
    return undefined;
}

function checkBoolean(argument: string, raw: unknown, problems: string[]): boolean | undefined {
    if (raw === undefined) return false;
    if (typeof raw === "boolean") return raw;
    problems.push(`${argument} ${show(raw)}: must be true or false`);
    return undefined;
}

/** RFC 5321 §4.1.2 Dot-string: the local parts every sender can address without quoting. */
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const MAX_LOCAL_PART = 64;

function checkEmail(
    raw: unknown,
    domains: string[],
    region: string | undefined,
    problems: string[],
): ValidatedReceiverEmail | undefined {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
        problems.push(
            `email ${show(raw)}: must be an object such as { domain: "tlsrpt.example.com", route53: { zoneName: "example.com" } }`,
        );
        return undefined;
    }
    const email = raw as RawTlsRptReceiverEmailArgs;
    const before = problems.length;
    problems.push(...unknownArguments("email.", email, KNOWN_EMAIL_ARGUMENTS));

    const domain = normalizeHostname("email.domain", email.domain, problems);
    if (domain !== undefined && domain.split(".").length < 3) {
        problems.push(
            `email.domain ${show(email.domain)}: must be a reporting subdomain such as "tlsrpt.${domain}"; ` +
                `its MX record points at SES, which on a mail domain's apex would take over all of its mail`,
        );
    } else if (domain !== undefined && domains.includes(domain)) {
        problems.push(
            `email.domain ${show(email.domain)}: is one of domains; use a subdomain such as "tlsrpt.${domain}", ` +
                `because its MX record points at SES and would take over the domain's mail`,
        );
    }

    const localPart = email.localPart === undefined ? DEFAULT_LOCAL_PART : email.localPart;
    if (typeof localPart !== "string" || localPart.length > MAX_LOCAL_PART || !LOCAL_PART.test(localPart)) {
        problems.push(
            `email.localPart ${show(email.localPart)}: must be 1 to ${MAX_LOCAL_PART} letters, digits or !#$%&'*+/=?^_\`{|}~- ` +
                `in dot-separated words, e.g. "${DEFAULT_LOCAL_PART}"`,
        );
    } else if (/[,!;]/.test(localPart)) {
        problems.push(
            `email.localPart ${show(email.localPart)}: must not contain ",", "!" or ";", which delimit the TLS-RPT record (RFC 8460 §3)`,
        );
    }

    const dns = checkEmailDns(email, domain, problems);
    const ttl = checkWholeNumber(
        "email.ttl",
        email.ttl,
        DEFAULT_EMAIL_TTL,
        MIN_TTL,
        MAX_TTL,
        "seconds DNS resolvers cache the MX and verification records",
        problems,
    );
    const activateRuleSet = checkBoolean("email.activateRuleSet", email.activateRuleSet, problems);
    if (region !== undefined) {
        const problem = sesRegionProblem(region);
        if (problem !== undefined) problems.push(problem);
    }
    if (problems.length > before) return undefined;
    return {
        domain: domain!,
        address: `${localPart as string}@${domain!}`,
        dns: dns!,
        ttl: ttl!,
        activateRuleSet: activateRuleSet!,
    };
}

function checkEmailDns(
    email: RawTlsRptReceiverEmailArgs,
    domain: string | undefined,
    problems: string[],
): ValidatedReceiverEmail["dns"] | undefined {
    const providers = (["route53", "cloudflare"] as const).filter((provider) => email[provider] !== undefined);
    if (providers.length !== 1) {
        const given = providers.length === 0 ? "neither is set" : "both are set";
        problems.push(
            `email.route53/email.cloudflare: ${given}; set exactly one DNS provider for the reporting subdomain's records, ` +
                `e.g. route53: { zoneName: "example.com" }`,
        );
        return undefined;
    }
    const provider = providers[0];
    const zone = email[provider];
    if (zone === null || typeof zone !== "object" || Array.isArray(zone)) {
        problems.push(`email.${provider} ${show(zone)}: must be an object with zoneId or zoneName`);
        return undefined;
    }
    const { zoneId, zoneName } = zone as { zoneId?: unknown; zoneName?: unknown };
    if ((zoneId === undefined) === (zoneName === undefined)) {
        const given = zoneId === undefined ? "neither is set" : "both are set";
        problems.push(`email.${provider}: ${given}; set exactly one of zoneId or zoneName`);
        return undefined;
    }
    if (zoneId !== undefined) {
        if (zoneId === null || zoneId === "" || (typeof zoneId !== "string" && !isPromiseOrOutput(zoneId))) {
            problems.push(`email.${provider}.zoneId ${show(zoneId)}: must be a non-empty zone id`);
            return undefined;
        }
        return { provider, zoneId };
    }
    const name = normalizeHostname(`email.${provider}.zoneName`, zoneName, problems);
    if (name === undefined) return undefined;
    if (domain !== undefined && !domain.endsWith(`.${name}`)) {
        problems.push(
            `email.${provider}.zoneName ${show(zoneName)}: must be a parent of email.domain "${domain}"; ` +
                `the MX goes on the reporting subdomain, never on the zone's apex`,
        );
        return undefined;
    }
    return { provider, zoneName: name };
}
