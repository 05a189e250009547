import type * as pulumi from "@pulumi/pulumi";
import type { ValidatedMtaStsArgs } from "../../core/validate";
import type { PolicyHosting } from "./policyHosting";
import { StandaloneHosting } from "./standalone";

export type { HostedSite, PolicyHosting, SiteSpec } from "./policyHosting";

/** The one place that picks a hosting mode from the arguments. */
export function selectPolicyHosting(args: ValidatedMtaStsArgs): PolicyHosting {
    return new StandaloneHosting({
        priceClass: args.priceClass,
        originAccessControlId: args.originAccessControlId as pulumi.Input<string> | undefined,
    });
}
