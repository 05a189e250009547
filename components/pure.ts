/**
 * `mta-sts/core`: everything that needs no Pulumi (rendering the policy and its id, the TXT
 * values, input validation, MX matching, reading published records, and the `mta-sts check`
 * library), for tools that want these without loading ~380 Pulumi modules.
 */
export {
    MAX_AGE_LIMIT,
    POLICY_CONTENT_TYPE,
    POLICY_PATH,
    PolicyMode,
    computePolicyId,
    mtaStsRecordName,
    policyHost,
    policyUrl,
    renderMtaStsRecord,
    renderPolicy,
    renderTlsRptRecord,
    tlsRptRecordName,
} from "./core/policy";
export type { PolicyFields } from "./core/policy";
export {
    DEFAULT_MAX_AGE,
    DEFAULT_MODE,
    DEFAULT_PRICE_CLASS,
    DEFAULT_TTL,
    MtaStsArgsError,
    MtaStsHostingArgsError,
    PriceClass,
    checkReportUri,
    normalizeHostname,
    normalizeMxPattern,
    validateMtaStsArgs,
    validateMtaStsHostingArgs,
} from "./core/validate";
export type { RawMtaStsArgs, ValidatedMtaStsArgs, ValidationResult } from "./core/validate";
export { CHECK_IDS, runChecks } from "./checking/checks";
export type { CheckId, CheckOptions, CheckReport, CheckResult, CheckStatus } from "./checking/checks";
export { formatJson, formatReport } from "./checking/report";
export { readPolicy, readStsRecord, readTlsRptRecord } from "./core/parse";
export { assessMxCoverage, findMatchingPattern, matchMx, suggestPattern } from "./core/mx";
