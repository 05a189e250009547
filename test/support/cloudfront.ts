/**
 * How CloudFront finds the S3 key for a tenant's request, written from its
 * documented behaviour rather than from the component: every `{{name}}` in the
 * origin path is replaced by the tenant's parameter of that name, and the
 * request path is appended; S3 takes the result, without the leading `/`, as
 * the key.
 */
export function keyCloudFrontReads(
    originPath: string | undefined,
    parameters: { name: string; value: string }[],
    requestPath: string,
): string {
    const resolved = (originPath ?? "").replace(/\{\{([^}]*)\}\}/g, (_, name: string) => {
        const parameter = parameters.find((p) => p.name === name);
        if (parameter === undefined) throw new Error(`the tenant sets no parameter "${name}"`);
        return parameter.value;
    });
    return `${resolved}${requestPath}`.replace(/^\//, "");
}
