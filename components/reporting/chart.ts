/**
 * Pictures of the daily sessions: an SVG chart (successful sessions above,
 * failed sessions below, each on its own scale, because failures are usually
 * too few to see on the successes' scale), the same as PNG through resvg (a
 * prebuilt renderer from the registry: no browser, nothing downloaded at
 * install), and a one-line sparkline for the terminal.
 */
import type { DaySessions } from "./summary";

const WIDTH = 860;
const LEFT = 70;
const RIGHT = 20;
const TOP = 56;
const SUCCESS_HEIGHT = 190;
const GAP = 46;
const FAILURE_HEIGHT = 110;
const BOTTOM = 44;
const HEIGHT = TOP + SUCCESS_HEIGHT + GAP + FAILURE_HEIGHT + BOTTOM;
export const CHART_COLOURS = { successful: "#2e7d32", failed: "#c62828", axis: "#555555", grid: "#dddddd" };
const FONT = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif";

/** The daily chart as a standalone SVG document; each bar carries `data-day` and `data-value`. */
export function renderChartSvg(days: readonly DaySessions[], title: string): string {
    const plotWidth = WIDTH - LEFT - RIGHT;
    const slot = days.length > 0 ? plotWidth / days.length : plotWidth;
    const barWidth = Math.max(1, slot * 0.8);
    const panel = (series: "successful" | "failed", top: number, height: number, label: string) => {
        const max = niceCeiling(Math.max(0, ...days.map((day) => day[series])));
        const bars = days
            .map((day, index) => {
                const value = day[series];
                const barHeight = max === 0 ? 0 : (value / max) * height;
                const x = LEFT + index * slot + (slot - barWidth) / 2;
                return `<rect data-day="${day.day}" data-value="${value}" x="${fixed(x)}" y="${fixed(top + height - barHeight)}" width="${fixed(barWidth)}" height="${fixed(barHeight)}"/>`;
            })
            .join("");
        return [
            `<g id="axis-${series}" font-size="11" fill="${CHART_COLOURS.axis}">`,
            `<line x1="${LEFT}" y1="${top}" x2="${WIDTH - RIGHT}" y2="${top}" stroke="${CHART_COLOURS.grid}"/>`,
            `<line x1="${LEFT}" y1="${top + height}" x2="${WIDTH - RIGHT}" y2="${top + height}" stroke="${CHART_COLOURS.axis}"/>`,
            `<text x="${LEFT - 6}" y="${top + 4}" text-anchor="end">${formatCount(max)}</text>`,
            `<text x="${LEFT - 6}" y="${top + height + 4}" text-anchor="end">0</text>`,
            `<text x="${LEFT}" y="${top - 8}" font-size="12" fill="${CHART_COLOURS[series]}">${label}</text>`,
            `</g>`,
            `<g id="series-${series}" fill="${CHART_COLOURS[series]}">${bars}</g>`,
        ].join("\n");
    };
    const failureTop = TOP + SUCCESS_HEIGHT + GAP;
    const step = Math.max(1, Math.ceil(days.length / 8));
    const dayLabels = days
        .map((day, index) =>
            index % step === 0 || index === days.length - 1
                ? `<text x="${fixed(LEFT + index * slot + slot / 2)}" y="${failureTop + FAILURE_HEIGHT + 18}" text-anchor="middle">${day.day}</text>`
                : "",
        )
        .join("");
    return [
        `<?xml version="1.0" encoding="UTF-8"?>`,
        `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="${FONT}">`,
        `<title>${escapeXml(title)}</title>`,
        `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
        `<text x="${LEFT}" y="26" font-size="16" fill="#222222">${escapeXml(title)}</text>`,
        panel("successful", TOP, SUCCESS_HEIGHT, "successful sessions per UTC day"),
        panel("failed", failureTop, FAILURE_HEIGHT, "failed sessions per UTC day"),
        `<g id="days" font-size="11" fill="${CHART_COLOURS.axis}">${dayLabels}</g>`,
        days.length === 0
            ? `<text x="${WIDTH / 2}" y="${TOP + SUCCESS_HEIGHT / 2}" text-anchor="middle" font-size="14">no reports</text>`
            : "",
        `</svg>`,
        "",
    ].join("\n");
}

/** The SVG rendered to PNG at twice its size, with the system's fonts. */
export function renderChartPng(svg: string): Buffer {
    // A native module: loaded only when a PNG is asked for, so the rest of the CLI never depends on it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Resvg } = require("@resvg/resvg-js") as typeof import("@resvg/resvg-js");
    const resvg = new Resvg(svg, {
        fitTo: { mode: "width", value: WIDTH * 2 },
        font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
    });
    return Buffer.from(resvg.render().asPng());
}

const BLOCKS = "▁▂▃▄▅▆▇█";

/**
 * One character per day (or per group of days when there are more than
 * `width`), scaled to the largest value; a zero is a space, so a day
 * without sessions stands out.
 */
export function sparkline(values: readonly number[], width = 60): string {
    const group = Math.max(1, Math.ceil(values.length / width));
    const grouped: number[] = [];
    for (let index = 0; index < values.length; index += group) {
        grouped.push(values.slice(index, index + group).reduce((sum, value) => sum + value, 0));
    }
    const max = Math.max(0, ...grouped);
    return grouped
        .map((value) =>
            value === 0 ? " " : BLOCKS[Math.min(BLOCKS.length - 1, Math.floor((value / max) * (BLOCKS.length - 1e-9)))],
        )
        .join("");
}

/** 1, 2 or 5 times a power of ten, at or above `value`. */
function niceCeiling(value: number): number {
    if (value <= 0) return 0;
    const power = 10 ** Math.floor(Math.log10(value));
    return [1, 2, 5, 10].map((factor) => factor * power).find((candidate) => candidate >= value)!;
}

function formatCount(value: number): string {
    return value.toLocaleString("en-US");
}

function fixed(value: number): string {
    return String(Math.round(value * 100) / 100);
}

function escapeXml(text: string): string {
    return text.replace(
        // eslint-disable-next-line no-control-regex -- finding control characters is the point
        /[<>&"'\u0000-\u0008\u000b\u000c\u000e-\u001f]/g,
        (character) =>
            ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[character] ?? "\ufffd",
    );
}
