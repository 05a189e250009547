export { MtaSts, MtaStsPreflightError } from "./publishing/mtaSts";
export type { CloudflareZone, MtaStsArgs, Route53Zone, TlsRpt, TlsRptReceiverRef } from "./publishing/mtaSts";
export { MtaStsHosting } from "./publishing/mtaStsHosting";
export type { MtaStsHostingArgs } from "./publishing/mtaStsHosting";
export type { SharedHosting } from "./publishing/hosting";
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
export {
    DEFAULT_REPORT_LIMITS,
    TlsRptReportError,
    decodeReportBytes,
    decodeReportJson,
    isGzip,
    parseReportJson,
    readBounded,
} from "./reporting/decode";
export type { ReportLimits } from "./reporting/decode";
export { POLICY_TYPES, RESULT_TYPES, parseTlsRptReport, readTlsRptReport } from "./reporting/report";
export type { TlsRptFailure, TlsRptPolicyResult, TlsRptReport } from "./reporting/report";
export { readTlsRptEmail, maxEmailBytes } from "./reporting/email";
export type { EmailReports } from "./reporting/email";
export { reportStorageKey } from "./reporting/storage";
export { TlsRptReceiver, handlerPolicy } from "./reporting/receiver";
export type { TlsRptReceiverArgs, TlsRptReceiverEmail } from "./reporting/receiver";
export {
    DEFAULT_EXPIRATION_DAYS,
    DEFAULT_LOCAL_PART,
    DEFAULT_PREFIX,
    DEFAULT_RESERVED_CONCURRENCY,
    SES_RECEIVING_REGIONS,
    TlsRptReceiverArgsError,
    validateTlsRptReceiverArgs,
} from "./reporting/receiverArgs";
export type { RawTlsRptReceiverArgs, ValidatedTlsRptReceiverArgs } from "./reporting/receiverArgs";
