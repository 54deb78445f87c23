import { z } from 'zod';

/**
 * The places the web form can offer, each with the law that gives its residents their rights.
 * California's law depends on CCPA_APPLIES (CCPA, or CalOPPA below CCPA's thresholds); `other` is
 * always offered last and gets ORG_DEFAULT_LAW. API clients name the law directly.
 */
export const REGION_LAWS = {
  eu: 'gdpr',
  uk: 'uk-gdpr',
  switzerland: 'fadp',
  brazil: 'lgpd',
  canada: 'pipeda',
  california: 'ccpa',
  colorado: 'cpa',
  connecticut: 'ctdpa',
  montana: 'mcdpa',
  oregon: 'ocpa',
  texas: 'tdpsa',
  utah: 'ucpa',
  virginia: 'vcdpa',
} as const;

export type OfferedRegion = keyof typeof REGION_LAWS;
export type Region = OfferedRegion | 'other';
export const OFFERED_REGIONS = Object.keys(REGION_LAWS) as OfferedRegion[];
const DEFAULT_FORM_REGIONS: readonly OfferedRegion[] = ['eu', 'uk', 'california'];

/**
 * FORM_REGIONS: which places the form lists, in the order given (the organisation knows which laws
 * reach it: most US state laws apply only above revenue or volume thresholds). Unknown or repeated
 * names are refused, so a typo cannot silently send Brazilians to the default law's clock.
 */
export const formRegionsSetting = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (value === undefined || value.trim() === '') return DEFAULT_FORM_REGIONS;
    const names = value.split(',').map((name) => name.trim().toLowerCase());
    const unknown = names.filter((name) => !(OFFERED_REGIONS as string[]).includes(name));
    if (unknown.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown region ${unknown.map((n) => `"${n}"`).join(', ')}: choose from ${OFFERED_REGIONS.join(', ')} (everyone else is "other")`,
      });
      return z.NEVER;
    }
    if (new Set(names).size !== names.length) {
      ctx.addIssue({ code: 'custom', message: 'names a region twice' });
      return z.NEVER;
    }
    return Object.freeze(names as OfferedRegion[]);
  });

/** Where the subject lives → the law that applies. */
export function lawForRegion(region: Region, config: { defaultLaw: string; ccpaApplies: boolean }): string {
  if (region === 'other') return config.defaultLaw;
  if (region === 'california' && !config.ccpaApplies) return 'caloppa';
  return REGION_LAWS[region];
}
