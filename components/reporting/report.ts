/**
 * The TLS-RPT aggregate report (RFC 8460 §4.4), read from a parsed JSON value
 * into one normalised shape. Wrong types and missing required fields are
 * rejected, all of them in one TlsRptReportError; what real senders get
 * slightly wrong is accepted and noted in `warnings`.
 */
import { decodeReportJson, DEFAULT_REPORT_LIMITS, ReportLimits, TlsRptReportError } from "./decode";

/** RFC 8460 §4.3, plus the result types later registered; other values are kept as sent. */
export const RESULT_TYPES = [
    "starttls-not-supported",
    "certificate-host-mismatch",
    "certificate-expired",
    "certificate-not-trusted",
    "validation-failure",
    "tlsa-invalid",
    "dnssec-invalid",
    "dane-required",
    "sts-policy-fetch-error",
    "sts-policy-invalid",
    "sts-webpki-invalid",
] as const;

/** RFC 8460 §4.4 "policy-type". */
export const POLICY_TYPES = ["sts", "tlsa", "no-policy-found"] as const;

export interface TlsRptFailure {
    /** §4.3 result type, as sent. */
    resultType: string;
    /** Absent when the sender left it out or sent "". */
    sendingMtaIp?: string;
    /** Lowercase, without a trailing dot; absent when left out or "". */
    receivingMxHostname?: string;
    receivingMxHelo?: string;
    receivingIp?: string;
    failedSessions: number;
    additionalInformation?: string;
    failureReasonCode?: string;
}

export interface TlsRptPolicyResult {
    /** "sts", "tlsa" or "no-policy-found" (other strings are kept, with a warning). */
    policyType: string;
    /** The policy the sender applied, one line per element; [] when none was sent. */
    policyString: string[];
    /** Lowercase, without a trailing dot. */
    policyDomain: string;
    /** The policy's mx patterns; always a list (errata 6241 senders send one string). */
    mxHost: string[];
    successfulSessions: number;
    failedSessions: number;
    failures: TlsRptFailure[];
}

export interface TlsRptReport {
    organizationName: string;
    contactInfo?: string;
    /** As in the JSON, which RFC 8460 §5.6 makes authoritative over the Subject or file name. */
    reportId: string;
    /** ISO 8601 in UTC (`2026-05-01T00:00:00.000Z`); a date-time sent without a zone is read as UTC. */
    dateRange: { start: string; end: string };
    policies: TlsRptPolicyResult[];
    /** What the sender got wrong that was tolerated, one sentence each. */
    warnings: string[];
}

/** Raw bytes (gzip or JSON) to a normalised report, within `limits`. */
export function readTlsRptReport(body: Uint8Array, limits: ReportLimits = DEFAULT_REPORT_LIMITS): TlsRptReport {
    return parseTlsRptReport(decodeReportJson(body, limits));
}

type Json = Record<string, unknown>;

/**
 * A parsed JSON value to a normalised report; throws TlsRptReportError listing
 * every problem. It also reads a TlsRptReport stored as JSON (what the
 * receiver keeps next to the raw delivery), through the same checks.
 */
export function parseTlsRptReport(value: unknown): TlsRptReport {
    if (isStoredForm(value)) value = fromStoredForm(value);
    const problems: string[] = [];
    const warnings: string[] = [];
    const fields = new FieldReader(problems, warnings);

    const root = fields.object(value, "report");
    if (root === undefined) throw new TlsRptReportError(problems);
    const organizationName = fields.string(root, "organization-name", "", { required: true });
    const contactInfo = fields.string(root, "contact-info", "");
    const reportId = fields.string(root, "report-id", "", { required: true });
    const range = fields.object(root["date-range"], "date-range");
    const start = range && fields.dateTime(range, "start-datetime", "date-range.");
    const end = range && fields.dateTime(range, "end-datetime", "date-range.");
    if (start !== undefined && end !== undefined && end < start) {
        warnings.push(`date-range ends (${end}) before it starts (${start})`);
    }
    const policies = fields.array(root, "policies", "", { required: true }) ?? [];
    const results = policies.map((entry, index) => readPolicyResult(fields, entry, `policies[${index}]`));

    if (problems.length > 0) throw new TlsRptReportError(problems);
    return {
        organizationName: organizationName!,
        ...(contactInfo === undefined ? {} : { contactInfo }),
        reportId: reportId!,
        dateRange: { start: start!, end: end! },
        policies: results as TlsRptPolicyResult[],
        warnings,
    };
}

function readPolicyResult(fields: FieldReader, value: unknown, path: string): TlsRptPolicyResult | undefined {
    const entry = fields.object(value, path);
    if (entry === undefined) return undefined;
    const policy = fields.object(entry.policy, `${path}.policy`);
    const summary = fields.object(entry.summary, `${path}.summary`);
    const at = `${path}.policy.`;
    const policyType = policy && fields.string(policy, "policy-type", at, { required: true });
    if (policyType !== undefined && !(POLICY_TYPES as readonly string[]).includes(policyType)) {
        fields.warnings.push(`${at}policy-type ${JSON.stringify(policyType)} is not one of ${POLICY_TYPES.join(", ")}`);
    }
    let policyString = policy && fields.strings(policy, "policy-string", at);
    if (policy && policyString === undefined && policyType !== "no-policy-found") {
        fields.warnings.push(`${at}policy-string is missing for policy-type ${JSON.stringify(policyType)}`);
    }
    policyString ??= [];
    const policyDomain = policy && fields.hostname(policy, "policy-domain", at, { required: true });
    const mxHost = (policy && fields.strings(policy, "mx-host", at, { errata: "6241" })) ?? [];
    const successfulSessions = summary && fields.count(summary, "total-successful-session-count", `${path}.summary.`);
    const failedSessions = summary && fields.count(summary, "total-failure-session-count", `${path}.summary.`);
    const details = fields.array(entry, "failure-details", `${path}.`) ?? [];
    const failures = details.map((detail, index) => readFailure(fields, detail, `${path}.failure-details[${index}]`));
    const detailed = failures.reduce((sum, failure) => sum + (failure?.failedSessions ?? 0), 0);
    if (failedSessions !== undefined && failures.length > 0 && detailed !== failedSessions) {
        fields.warnings.push(
            `${path}: failure-details add up to ${detailed} sessions, total-failure-session-count says ${failedSessions}`,
        );
    }
    if (!policy || !summary) return undefined;
    return {
        policyType: policyType!,
        policyString,
        policyDomain: policyDomain!,
        mxHost: mxHost.map((host) => host.toLowerCase().replace(/\.$/, "")),
        successfulSessions: successfulSessions!,
        failedSessions: failedSessions!,
        failures: failures as TlsRptFailure[],
    };
}

function readFailure(fields: FieldReader, value: unknown, path: string): TlsRptFailure | undefined {
    const detail = fields.object(value, path);
    if (detail === undefined) return undefined;
    const at = `${path}.`;
    const resultType = fields.string(detail, "result-type", at, { required: true });
    const failedSessions = fields.count(detail, "failed-session-count", at);
    const optional = {
        sendingMtaIp: fields.string(detail, "sending-mta-ip", at),
        receivingMxHostname: fields.hostname(detail, "receiving-mx-hostname", at),
        receivingMxHelo: fields.string(detail, "receiving-mx-helo", at),
        receivingIp: fields.string(detail, "receiving-ip", at),
        additionalInformation: fields.string(detail, "additional-information", at),
        failureReasonCode: fields.string(detail, "failure-reason-code", at),
    };
    if (resultType === undefined || failedSessions === undefined) return undefined;
    const failure: TlsRptFailure = { resultType, failedSessions };
    for (const [key, text] of Object.entries(optional)) {
        if (text !== undefined) (failure as unknown as Record<string, string>)[key] = text;
    }
    return failure;
}

function isJsonObject(value: unknown): value is Json {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isStoredForm(value: unknown): value is Json {
    return (
        isJsonObject(value) && Object.hasOwn(value, "organizationName") && !Object.hasOwn(value, "organization-name")
    );
}

/** A stored TlsRptReport back in RFC 8460 §4.4 names; only known keys are copied, into fresh objects. */
function fromStoredForm(stored: Json): Json {
    const each = (list: unknown, map: (item: Json) => Json) =>
        Array.isArray(list) ? list.map((item) => (isJsonObject(item) ? map(item) : item)) : list;
    const range = stored.dateRange;
    return {
        "organization-name": stored.organizationName,
        "date-range": isJsonObject(range) ? { "start-datetime": range.start, "end-datetime": range.end } : range,
        "contact-info": stored.contactInfo,
        "report-id": stored.reportId,
        policies: each(stored.policies, (result) => ({
            policy: {
                "policy-type": result.policyType,
                "policy-string": result.policyString,
                "policy-domain": result.policyDomain,
                "mx-host": result.mxHost,
            },
            summary: {
                "total-successful-session-count": result.successfulSessions,
                "total-failure-session-count": result.failedSessions,
            },
            "failure-details": each(result.failures, (failure) => ({
                "result-type": failure.resultType,
                "sending-mta-ip": failure.sendingMtaIp,
                "receiving-mx-hostname": failure.receivingMxHostname,
                "receiving-mx-helo": failure.receivingMxHelo,
                "receiving-ip": failure.receivingIp,
                "failed-session-count": failure.failedSessions,
                "additional-information": failure.additionalInformation,
                "failure-reason-code": failure.failureReasonCode,
            })),
        })),
    };
}

/** RFC 3339 §5.6, with the zone optional because some senders leave it out. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:?\d{2})?$/;

/** Reads fields of one JSON object, recording a problem (naming path, value and rule) for each wrong one. */
class FieldReader {
    constructor(
        readonly problems: string[],
        readonly warnings: string[],
    ) {}

    object(value: unknown, path: string): Json | undefined {
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
            this.problems.push(`${path}: expected an object, got ${describe(value)}`);
            return undefined;
        }
        // JSON.parse makes "__proto__" an own key; refuse it rather than let it near any object spread or merge.
        if (Object.hasOwn(value, "__proto__")) {
            this.problems.push(`${path}: the key "__proto__" is not allowed`);
            return undefined;
        }
        return value as Json;
    }

    array(object: Json, key: string, at: string, options: { required?: boolean } = {}): unknown[] | undefined {
        const value = object[key];
        if (value === undefined && !options.required) return undefined;
        if (!Array.isArray(value)) {
            this.problems.push(`${at}${key}: expected an array, got ${describe(value)}`);
            return undefined;
        }
        return value;
    }

    /** A string; "" counts as absent unless required. */
    string(object: Json, key: string, at: string, options: { required?: boolean } = {}): string | undefined {
        const value = object[key];
        if (typeof value === "string" && value !== "") return value;
        if ((value === undefined || value === null || value === "") && !options.required) return undefined;
        this.problems.push(
            `${at}${key}: expected ${options.required ? "a non-empty string" : "a string"}, got ${describe(value)}`,
        );
        return undefined;
    }

    hostname(object: Json, key: string, at: string, options: { required?: boolean } = {}): string | undefined {
        return this.string(object, key, at, options)?.toLowerCase().replace(/\.$/, "");
    }

    /** A list of strings; one bare string is accepted as a list of one, with a warning. */
    strings(object: Json, key: string, at: string, options: { errata?: string } = {}): string[] | undefined {
        const value = object[key];
        if (value === undefined || value === null) return undefined;
        if (typeof value === "string") {
            this.warnings.push(
                `${at}${key} is a string, not a list of strings${options.errata ? ` (RFC errata ${options.errata})` : ""}`,
            );
            return value === "" ? [] : [value];
        }
        if (!Array.isArray(value)) {
            this.problems.push(`${at}${key}: expected a list of strings, got ${describe(value)}`);
            return undefined;
        }
        const wrong = value.findIndex((element) => typeof element !== "string");
        if (wrong >= 0) {
            this.problems.push(`${at}${key}[${wrong}]: expected a string, got ${describe(value[wrong])}`);
            return undefined;
        }
        return value as string[];
    }

    /** RFC 8460 §4.4 counts: integers encoded as JSON numbers. */
    count(object: Json, key: string, at: string): number | undefined {
        const value = object[key];
        if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
        this.problems.push(`${at}${key}: expected a whole number of sessions (0 or more), got ${describe(value)}`);
        return undefined;
    }

    dateTime(object: Json, key: string, at: string): string | undefined {
        const value = object[key];
        const match = typeof value === "string" ? DATE_TIME.exec(value) : null;
        if (!match) {
            this.problems.push(`${at}${key}: expected an RFC 3339 date-time, got ${describe(value)}`);
            return undefined;
        }
        const [, year, month, day, hour, minute, second, fraction, zone] = match;
        const utc = Date.UTC(+year, +month - 1, +day, +hour, +minute, Math.min(+second, 59));
        const fields = new Date(utc);
        if (
            fields.getUTCFullYear() !== +year ||
            fields.getUTCMonth() !== +month - 1 ||
            fields.getUTCDate() !== +day ||
            +hour > 23 ||
            +minute > 59 ||
            +second > 60
        ) {
            this.problems.push(`${at}${key}: ${describe(value)} is not a calendar date and time`);
            return undefined;
        }
        let offsetMinutes = 0;
        if (zone === undefined) {
            this.warnings.push(`${at}${key} ${JSON.stringify(value)} has no time zone; read as UTC`);
        } else if (!/^[Zz]$/.test(zone)) {
            const digits = zone.replace(":", "");
            offsetMinutes = (zone[0] === "-" ? -1 : 1) * (+digits.slice(1, 3) * 60 + +digits.slice(3, 5));
        }
        const milliseconds = fraction ? Math.floor(Number(`0${fraction}`) * 1000) : 0;
        return new Date(utc + milliseconds - offsetMinutes * 60_000).toISOString();
    }
}

/** A short, quoted description of a remote value for an error message (never the whole value). */
function describe(value: unknown): string {
    if (value === undefined) return "nothing";
    if (value === null) return "null";
    if (Array.isArray(value)) return "an array";
    if (typeof value === "object") return "an object";
    if (typeof value === "string") {
        return value.length > 64
            ? `${JSON.stringify(value.slice(0, 64))}... (${value.length} characters)`
            : JSON.stringify(value);
    }
    return `${typeof value} ${String(value)}`;
}
