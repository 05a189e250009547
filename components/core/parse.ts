/**
 * Readers for what a domain publishes, shared by `mta-sts check` and the
 * component's preflight. Each has two levels: the RFC grammar (what a lenient
 * sender accepts) and SPEC.md's canonical form (what the strictest senders
 * accept). Anything between the two is a warning that names who rejects it.
 */
import { MAX_AGE_LIMIT, POLICY_MODES, PolicyMode } from "./policy";
import { checkReportUri } from "./validate";

export interface PolicyDocument {
    version: string;
    mode: PolicyMode;
    mx: string[];
    maxAge: number;
}

export interface PolicyReading {
    /** Set when the RFC 8461 §3.2 grammar accepts the body. */
    policy?: PolicyDocument;
    /** Why the RFC grammar rejects it (senders treat it as "no policy"). */
    errors: string[];
    /** Legal per the RFC, but rejected or mishandled by named real clients. */
    warnings: string[];
}

/** RFC 8461 §3.2: `["*."] Domain`. */
const MX_PATTERN = /^(?:\*\.)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** RFC 8461 §3.2, then SPEC.md §1's canonical form on top. */
export function readPolicy(body: string): PolicyReading {
    const errors: string[] = [];
    const warnings: string[] = [];
    if (body.startsWith("\uFEFF")) {
        errors.push("the body starts with a byte-order mark; five clients reject it");
        body = body.slice(1);
    }
    if ([...body].some((character) => character.charCodeAt(0) > 0x7f)) {
        warnings.push("the body has non-ASCII characters; mx patterns must be A-labels (punycode)");
    }
    const lines = body.split(/\r?\n/);
    const terminated = lines[lines.length - 1] === "";
    if (terminated) lines.pop();
    if (!terminated) {
        warnings.push("the last line has no line end; some checkers demand CRLF on every line");
    }
    if (/(^|[^\r])\n/.test(body)) {
        warnings.push("lines end in bare LF; some checkers demand CRLF");
    }
    const fields: { key: string; value: string; line: number }[] = [];
    lines.forEach((line, index) => {
        if (line.trim() === "") {
            warnings.push(`line ${index + 1} is blank; mox, go-mtasts and postfix-tlspol reject the whole policy`);
            return;
        }
        const match = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,31}):[ \t]*(.*?)[ \t]*$/.exec(line);
        if (!match) {
            errors.push(`line ${index + 1} ${JSON.stringify(line)} is not "key: value"`);
            return;
        }
        if (!/^[a-z_]+: \S/.test(line) || /[ \t]$/.test(line)) {
            warnings.push(
                `line ${index + 1} ${JSON.stringify(line)} is not "key: value" with one space and no trailing whitespace`,
            );
        }
        fields.push({ key: match[1], value: match[2], line: index + 1 });
    });

    const first = (key: string) => fields.find((field) => field.key === key);
    const version = first("version");
    const mode = first("mode");
    const maxAge = first("max_age");
    const mx = fields.filter((field) => field.key === "mx");
    if (version?.value !== "STSv1")
        errors.push(`version must be "STSv1"${version ? `, got ${JSON.stringify(version.value)}` : ""}`);
    else if (fields[0] !== version) warnings.push("version is not the first line; Google requires it first");
    if (!mode || !(POLICY_MODES as readonly string[]).includes(mode.value)) {
        errors.push(`mode must be testing, enforce or none${mode ? `, got ${JSON.stringify(mode.value)}` : ""}`);
    }
    const maxAgeValue = maxAge && /^[0-9]{1,10}$/.test(maxAge.value) ? Number(maxAge.value) : NaN;
    if (!(maxAgeValue >= 0 && maxAgeValue <= MAX_AGE_LIMIT)) {
        errors.push(
            `max_age must be a number of seconds up to ${MAX_AGE_LIMIT}${maxAge ? `, got ${JSON.stringify(maxAge.value)}` : ""}`,
        );
    } else if (maxAgeValue === 0) {
        warnings.push("max_age is 0; chasquid rejects it");
    }
    for (const field of mx) {
        if (!MX_PATTERN.test(field.value.replace(/\.$/, ""))) {
            errors.push(`mx ${JSON.stringify(field.value)} is not a host name or "*." plus a host name`);
        } else if (field.value.endsWith(".")) {
            warnings.push(
                `mx ${field.value} has a trailing dot; mox rejects the policy and mailauth, KumoMTA and Postfix 3.10.5+ never match it`,
            );
        } else if (field.value !== field.value.toLowerCase()) {
            warnings.push(`mx ${field.value} is not lowercase`);
        }
    }
    if (mx.length === 0) {
        if (mode?.value === "none")
            warnings.push("there is no mx line; chasquid and Stalwart reject a policy without one");
        else errors.push("there is no mx line; a testing or enforce policy needs at least one");
    }
    const duplicate = mx.find(
        (field, index) => mx.findIndex((other) => other.value.toLowerCase() === field.value.toLowerCase()) !== index,
    );
    if (duplicate) warnings.push(`mx ${duplicate.value} is listed twice`);
    const keys = fields.map((field) => field.key);
    const canonicalOrder = ["version", "mode", ...mx.map(() => "mx"), "max_age"];
    if (errors.length === 0 && keys.join() !== canonicalOrder.join() && fields[0] === version) {
        warnings.push(`the lines are not in the order version, mode, mx..., max_age`);
    }
    if (errors.length > 0) {
        return { errors, warnings };
    }
    return {
        policy: {
            version: "STSv1",
            mode: mode!.value as PolicyMode,
            mx: mx.map((field) => field.value.toLowerCase().replace(/\.$/, "")),
            maxAge: maxAgeValue,
        },
        errors,
        warnings,
    };
}

export interface RecordReading<T> {
    value?: T;
    errors: string[];
    warnings: string[];
}

/** RFC 8461 §3.1: `v=STSv1; id=<1-32 alnum>` with optional extensions; canonical form per SPEC.md §1. */
export function readStsRecord(record: string): RecordReading<{ id: string }> {
    const match =
        /^v=STSv1[ \t]*;[ \t]*id=([A-Za-z0-9]{1,32})[ \t]*((?:;[ \t]*[A-Za-z0-9][A-Za-z0-9_.-]{0,31}=[\x21-\x3a\x3c\x3e-\x7e]+[ \t]*)*)(?:;)?[ \t]*$/.exec(
            record,
        );
    if (!match) {
        const id = /id=([^;\s]*)/.exec(record)?.[1];
        const reason =
            id !== undefined && !/^[A-Za-z0-9]{1,32}$/.test(id)
                ? `the id ${JSON.stringify(id)} is not 1 to 32 letters or digits (mox and postfix-tlspol reject it)`
                : `${JSON.stringify(record)} is not "v=STSv1; id=<id>"`;
        return { errors: [reason], warnings: [] };
    }
    const warnings =
        record === `v=STSv1; id=${match[1]}`
            ? []
            : [`${JSON.stringify(record)} is not exactly "v=STSv1; id=${match[1]}"`];
    return { value: { id: match[1] }, errors: [], warnings };
}

/** RFC 8460 §3 as SPEC.md §3 publishes it: `v=TLSRPTv1; rua=a,b`, each a mailto: or https: URI. */
export function readTlsRptRecord(record: string): RecordReading<{ rua: string[] }> {
    const match = /^v=TLSRPTv1[ \t]*;[ \t]*rua=(.*?)[ \t]*;?[ \t]*$/.exec(record);
    if (!match) {
        return { errors: [`${JSON.stringify(record)} is not "v=TLSRPTv1; rua=<uri>[,<uri>]"`], warnings: [] };
    }
    const warnings: string[] = [];
    if (/,\s|\s,/.test(match[1])) {
        warnings.push("there is a space next to a comma in rua; the sys4 reporter then sends the report nowhere");
    }
    const rua = match[1].split(",").map((uri) => uri.trim());
    const errors = rua.flatMap((uri) => {
        const problem = checkReportUri(uri);
        return problem ? [`rua ${JSON.stringify(uri)}: ${problem}`] : [];
    });
    if (record.length > 255)
        warnings.push(`the record is ${record.length} octets; over 255 it needs several DNS strings`);
    return errors.length > 0 ? { errors, warnings } : { value: { rua }, errors, warnings };
}
