export { MtaSts, MtaStsPreflightError } from "./mtaSts";
export type { CloudflareZone, MtaStsArgs, Route53Zone, TlsRptArgs } from "./mtaSts";
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
} from "./policy";
export type { PolicyFields } from "./policy";
export {
    DEFAULT_MAX_AGE,
    DEFAULT_MODE,
    DEFAULT_PRICE_CLASS,
    DEFAULT_TTL,
    MtaStsArgsError,
    PriceClass,
    checkReportUri,
    normalizeHostname,
    normalizeMxPattern,
    validateMtaStsArgs,
} from "./validate";
export type { RawMtaStsArgs, ValidatedMtaStsArgs, ValidationResult } from "./validate";
export { CHECK_IDS, runChecks } from "./check/checks";
export type { CheckId, CheckOptions, CheckReport, CheckResult, CheckStatus } from "./check/checks";
export { formatJson, formatReport } from "./check/report";
export { readPolicy, readStsRecord, readTlsRptRecord } from "./check/parse";
export { assessMxCoverage, findMatchingPattern, matchMx, suggestPattern } from "./mx";
