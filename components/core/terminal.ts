/**
 * Text from the network (report fields, server answers) must not drive the
 * terminal: control characters could move the cursor, rewrite earlier lines
 * or hide text, and bidirectional overrides could reorder what is shown.
 */

/** C0 and C1 controls, DEL, and the Unicode format characters that reorder or hide text. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/g;

/**
 * `text` with every unsafe character shown as `\u{hex}` and cut to `maxLength`
 * characters (marked with "..."), ready to print.
 */
export function escapeForTerminal(text: string, maxLength = 200): string {
    const cut = text.length > maxLength ? `${text.slice(0, maxLength)}...` : text;
    return cut.replace(UNSAFE, (character) => `\\u{${character.charCodeAt(0).toString(16)}}`);
}
