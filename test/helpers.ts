import * as pulumi from "@pulumi/pulumi";

/** Resolves an Output's value (the mocks are not in preview, so every value is known). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}
