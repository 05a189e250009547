export { MtaSts, MtaStsPreflightError } from "./publishing/mtaSts";
export { prefetchMxPreflight } from "./publishing/preflight";
export type { CloudflareZone, MtaStsArgs, Route53Zone, TlsRpt, TlsRptReceiverRef } from "./publishing/mtaSts";
export { MtaStsHosting } from "./publishing/mtaStsHosting";
export type { MtaStsHostingArgs } from "./publishing/mtaStsHosting";
export type { SharedHosting } from "./publishing/hosting";
export * from "./pure";
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
