import { canonicalCountry } from '../features/index.js';
import { REGIONS, type Region } from '../settings/index.js';

/**
 * Countries and states as CRMs spell them ("United States", "U.S.A.", "Calif.") reduced to one key,
 * so a rule written with codes matches leads written with names and the other way round. Rule
 * values go through the same functions as lead values.
 */

const fold = (raw: string) =>
  raw
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

/** An ISO code when the country is known ("US"), else the folded text ("poland"); null for a blank. */
export function countryKey(raw: string | null | undefined): string | null {
  if (!raw || raw.trim() === '') return null;
  const known = canonicalCountry(raw);
  if (known && known !== 'other') return known;
  const folded = fold(raw);
  return /^[a-z]{2}$/.test(folded) ? folded.toUpperCase() : folded;
}

const REGION_BY_COUNTRY = new Map<string, Region>(
  (Object.entries(REGIONS) as Array<[Region, readonly string[]]>).flatMap(([region, codes]) => codes.map((c) => [c, region] as const)),
);

export function regionOf(country: string | null): Region | null {
  return country ? (REGION_BY_COUNTRY.get(country) ?? null) : null;
}

// US states (and DC), Canadian provinces and Australian states: code, then names and common short forms.
// Their codes do not collide except WA (Washington, Western Australia): add a country condition there.
const STATES = `AL alabama|AK alaska|AZ arizona|AR arkansas|CA california,calif,cal|CO colorado,colo|CT connecticut,conn|DE delaware
|DC district of columbia,washington dc|FL florida,fla|GA georgia|HI hawaii|ID idaho|IL illinois,ill|IN indiana,ind|IA iowa|KS kansas
|KY kentucky|LA louisiana|ME maine|MD maryland|MA massachusetts,mass|MI michigan,mich|MN minnesota,minn|MS mississippi|MO missouri
|MT montana|NE nebraska|NV nevada|NH new hampshire|NJ new jersey|NM new mexico|NY new york|NC north carolina|ND north dakota|OH ohio
|OK oklahoma|OR oregon|PA pennsylvania,penn|RI rhode island|SC south carolina|SD south dakota|TN tennessee,tenn|TX texas,tex|UT utah
|VT vermont|VA virginia|WA washington,wash,western australia|WV west virginia|WI wisconsin,wis|WY wyoming
|AB alberta|BC british columbia|MB manitoba|NB new brunswick|NL newfoundland and labrador,newfoundland|NS nova scotia|ON ontario
|PE prince edward island|QC quebec|SK saskatchewan|NT northwest territories,northern territory|NU nunavut|YT yukon
|NSW new south wales|VIC victoria|QLD queensland|SA south australia|TAS tasmania|ACT australian capital territory`;

const STATE_BY_NAME = new Map<string, string>(
  STATES.split('|').flatMap((entry) => {
    const [code, names] = entry.trim().split(/ (.*)/s) as [string, string];
    return [[code.toLowerCase(), code] as const, ...names.split(',').map((n) => [n, code] as const)];
  }),
);

/** A state or province code when known ("CA" for "California" or "Calif."), else the folded text. */
export function stateKey(raw: string | null | undefined): string | null {
  if (!raw || raw.trim() === '') return null;
  const folded = fold(raw);
  return STATE_BY_NAME.get(folded) ?? folded;
}

/** Category text as a key: "Financial Services" and "financial_services" are the same. */
export function categoryKey(raw: string | null | undefined): string | null {
  if (!raw || raw.trim() === '') return null;
  return fold(raw).replace(/ /g, '_');
}
