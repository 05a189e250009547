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
export { findMatchingPattern, matchMx } from "./mx";
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
