import type * as pulumi from "@pulumi/pulumi";
import type { ValidatedMtaStsArgs } from "../../core/validate";
import type { PolicyHosting } from "./policyHosting";
import { SharedHosting, SharedTenantHosting } from "./shared";
import { StandaloneHosting } from "./standalone";

export type { HostedSite, PolicyHosting, SiteSpec } from "./policyHosting";
export type { SharedHosting } from "./shared";

/** The one place that picks a hosting mode from the arguments. */
export function selectPolicyHosting(args: ValidatedMtaStsArgs): PolicyHosting {
    if (args.hosting !== undefined) {
        return new SharedTenantHosting(args.hosting as SharedHosting, {
            cloudFrontManagedCertificate: args.cloudFrontManagedCertificate,
        });
    }
    return new StandaloneHosting({
        priceClass: args.priceClass,
        originAccessControlId: args.originAccessControlId as pulumi.Input<string> | undefined,
    });
}
