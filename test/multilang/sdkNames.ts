/**
 * The names Pulumi's SDK generators give the schema's resources, properties, types and enum
 * members in each language, and a reader for the calls an example program makes, so a test
 * can check programs that cannot be run here (no Pulumi CLI to generate their SDKs).
 */

export interface PropertySpec {
    type?: string;
    $ref?: string;
    items?: PropertySpec;
    additionalProperties?: PropertySpec;
    plain?: boolean;
    description?: string;
}

export interface ObjectSpec {
    description?: string;
    properties: Record<string, PropertySpec>;
    required?: string[];
}

export interface ResourceSpec {
    description?: string;
    isComponent: boolean;
    inputProperties: Record<string, PropertySpec>;
    requiredInputs: string[];
    properties: Record<string, PropertySpec>;
    required: string[];
}

export interface EnumSpec {
    type: string;
    enum: { name: string; value: string | number; description?: string }[];
}

export interface PackageSchema {
    name: string;
    resources: Record<string, ResourceSpec>;
    types: Record<string, ObjectSpec | EnumSpec>;
}

/** The last part of a type token: `mta-sts:index:MtaSts` → `MtaSts`. */
export function shortName(token: string): string {
    return token.split(":").pop()!;
}

export function isEnum(spec: ObjectSpec | EnumSpec): spec is EnumSpec {
    return "enum" in spec;
}

/** Python: `maxAge` → `max_age` (the SDK's keyword arguments and attributes). */
export function pythonName(name: string): string {
    return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

/** Python enum members: `PriceClass_100` → `PRICE_CLASS_100`. */
export function pythonEnumMember(name: string): string {
    return pythonName(name).replace(/__+/g, "_").toUpperCase();
}

/** Go: `maxAge` → `MaxAge` (struct fields and output properties). */
export function goName(name: string): string {
    return name.charAt(0).toUpperCase() + name.slice(1);
}

/** Go enum constants: type name, then the member name: `PolicyModeTesting`. */
export function goEnumConstant(typeName: string, member: string): string {
    return typeName + goName(member);
}

/** The object type or resource a YAML `type:` names; the `index` module may be left out. */
export function resolveResourceToken(schema: PackageSchema, token: string): string | undefined {
    const parts = token.split(":");
    const full = parts.length === 2 ? `${parts[0]}:index:${parts[1]}` : token;
    return schema.resources[full] ? full : undefined;
}

export interface CallSite {
    /** The name after the module prefix: `MtaSts`, `Route53ZoneArgs`, `NewMtaSts`. */
    callee: string;
    /** Argument or field names at the top level of the call, in order. */
    names: string[];
}

/**
 * Calls `<prefix>.<Name>(…)` (Python) or composite literals `&<prefix>.<Name>{…}` (Go), each with
 * the `name=` / `Name:` keys written directly inside it. One linear pass per call; strings and
 * comments are skipped so that their contents never read as keys.
 */
export function readCalls(source: string, prefix: string, open: "(" | "{", keyMark: "=" | ":"): CallSite[] {
    const calls: CallSite[] = [];
    const start = new RegExp(`${open === "{" ? "&" : ""}\\b${prefix}\\.(\\w+)\\${open}`, "g");
    const close = open === "(" ? ")" : "}";
    for (const match of source.matchAll(start)) {
        const names: string[] = [];
        let depth = 1;
        let i = match.index! + match[0].length;
        let token = "";
        while (i < source.length && depth > 0) {
            const c = source[i];
            if (c === '"' || c === "'" || c === "`") {
                const end = source.indexOf(c, i + 1);
                i = end < 0 ? source.length : end + 1;
                token = "";
                continue;
            }
            if (c === "#" || (c === "/" && source[i + 1] === "/")) {
                const end = source.indexOf("\n", i);
                i = end < 0 ? source.length : end;
                continue;
            }
            if (c === "(" || c === "{" || c === "[") depth++;
            if (c === ")" || c === "}" || c === "]") depth--;
            if (depth === 1 && c === keyMark && source[i + 1] !== "=" && /^\w+$/.test(token.trim())) {
                names.push(token.trim());
            }
            token = /[\w\s]/.test(c) ? token + c : "";
            i++;
        }
        if (depth !== 0) throw new Error(`unclosed ${prefix}.${match[1]}${open}…${close}`);
        calls.push({ callee: match[1], names });
    }
    return calls;
}

/** The source with string literals and comments blanked, so that names are only read from code. */
export function codeOnly(source: string): string {
    let out = "";
    let i = 0;
    while (i < source.length) {
        const c = source[i];
        if (c === '"' || c === "'" || c === "`") {
            const end = source.indexOf(c, i + 1);
            i = end < 0 ? source.length : end + 1;
            out += '""';
        } else if (c === "#" || (c === "/" && source[i + 1] === "/")) {
            const end = source.indexOf("\n", i);
            i = end < 0 ? source.length : end;
        } else {
            out += c;
            i++;
        }
    }
    return out;
}
