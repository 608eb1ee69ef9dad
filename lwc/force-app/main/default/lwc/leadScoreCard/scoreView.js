// Pure helpers that turn the written-back fields and the score history into what the card shows.

/** The tier Leadscore writes for a record it could not score (src/writeback/fields.ts). */
export const NOT_SCORED_TIER = 'Not scored';
/** Points in the trend: the most recent scorings. */
export const TREND_LENGTH = 10;

// SLDS theme utility classes only: the colours come from the org's SLDS tokens. Tier names are
// RevOps' to choose; the default ones get a colour, any other tier the neutral theme.
const TIER_THEMES = {
    hot: 'slds-theme_success',
    warm: 'slds-theme_warning',
    nurture: 'slds-theme_shade',
    cold: 'slds-theme_shade'
};

export function tierTheme(tier) {
    return TIER_THEMES[String(tier ?? '').trim().toLowerCase()] ?? 'slds-theme_default';
}

/**
 * The composite score in words. The composite is 100 x the calibrated probability of converting,
 * so 31 reads "about 3 in 10 similar leads converted".
 */
export function probabilityWords(composite) {
    if (typeof composite !== 'number' || Number.isNaN(composite)) return '';
    if (composite < 5) return 'fewer than 1 in 20 similar leads converted';
    if (composite >= 95) return 'nearly all similar leads converted';
    const inTen = Math.max(1, Math.round(composite / 10));
    return `about ${inTen} in 10 similar leads converted`;
}

/**
 * The reasons field as two lists: lines starting "+ " are reasons for the score, "- " against
 * (how src/scoring/rescore.ts writes them). Other lines are not reasons and are left out.
 */
export function splitReasons(text, perSide = 3) {
    const positive = [];
    const negative = [];
    for (const line of String(text ?? '').split(/\r?\n/)) {
        const match = /^\s*([+-])\s*(.+?)\s*$/.exec(line);
        if (!match) continue;
        (match[1] === '+' ? positive : negative).push(match[2]);
    }
    return { positive: positive.slice(0, perSide), negative: negative.slice(0, perSide) };
}

/**
 * The trend of the composite over the latest scorings. `history` comes newest first from the API;
 * the trend reads oldest to newest. Needs two scored points to be a trend.
 */
export function trendOf(history, length = TREND_LENGTH) {
    const scores = (Array.isArray(history) ? history : [])
        .filter((h) => h && h.status === 'scored' && typeof h.composite === 'number')
        .slice(0, length)
        .reverse()
        .map((h) => Math.round(h.composite));
    if (scores.length < 2) return null;
    // viewBox 0 0 100 30: x spread evenly, y from 28 (score 0) to 2 (score 100).
    const step = 100 / (scores.length - 1);
    const points = scores.map((s, i) => `${round1(i * step)},${round1(28 - (clamp(s) / 100) * 26)}`).join(' ');
    const change = scores[scores.length - 1] - scores[0];
    const direction = change > 0 ? `up ${change} points` : change < 0 ? `down ${-change} points` : 'unchanged';
    return {
        points,
        scores,
        summary: `Last ${scores.length} scores: ${direction} (from ${scores[0]} to ${scores[scores.length - 1]})`,
        label: `Composite score trend over the last ${scores.length} scorings: ${scores.join(', ')}`
    };
}

const clamp = (score) => Math.min(100, Math.max(0, score));
const round1 = (n) => Math.round(n * 10) / 10;
