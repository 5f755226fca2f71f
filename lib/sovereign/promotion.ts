/** File at the root of an output folder recording what it was rendered for. */
export const STATE_FILE = 'sovereign-state.json';

/** What an output folder was rendered for; a changed primary means a DR promotion. */
export interface SovereignState {
  readonly sovereign: string;
  readonly primaryRegion: string;
}

export interface PromotionCheck {
  /** The state of the previous output, if any. */
  readonly previous?: SovereignState;
  readonly sovereign: string;
  readonly primaryRegion: string;
  /** The region named by `--promote` or `SOVEREIGN_PROMOTE`, if any. */
  readonly confirmation?: string;
}

/** A refused run: the output stays as it was. */
export class PromotionRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromotionRefusedError';
  }
}

/**
 * Decides whether a synthesis may proceed (§6). Changing the OpenBao primary is a DR promotion and must be confirmed
 * by naming the new primary; anything else that names a region is refused as a likely mistake.
 * Returns the previous primary when this run is a confirmed promotion.
 */
export function checkPromotion(check: PromotionCheck): { from: string; to: string } | undefined {
  const { previous, confirmation } = check;
  if (previous !== undefined && previous.sovereign !== check.sovereign) {
    throw new PromotionRefusedError(
      `the output folder holds Sovereign "${previous.sovereign}", not "${check.sovereign}"; choose another --out folder`,
    );
  }
  const changed = previous !== undefined && previous.primaryRegion !== check.primaryRegion;
  if (!changed) {
    if (confirmation !== undefined && confirmation !== check.primaryRegion) {
      throw new PromotionRefusedError(
        `promotion of ${confirmation} was requested, but the config keeps ${check.primaryRegion} as the OpenBao primary; set primaryRegion: ${confirmation} to promote it, or drop --promote/SOVEREIGN_PROMOTE`,
      );
    }
    return undefined;
  }
  if (confirmation === undefined) {
    throw new PromotionRefusedError(
      `refusing to move the OpenBao primary from ${previous.primaryRegion} to ${check.primaryRegion} without confirmation: this is a DR promotion. ` +
        `Fence ${previous.primaryRegion} first (writes it accepts after the promotion are lost when it rejoins as a replica), then re-run with ` +
        `--promote ${check.primaryRegion} or SOVEREIGN_PROMOTE=${check.primaryRegion}`,
    );
  }
  if (confirmation !== check.primaryRegion) {
    throw new PromotionRefusedError(
      `the confirmation names ${confirmation}, but the config promotes ${check.primaryRegion}; the confirmation must name the new primary`,
    );
  }
  return { from: previous.primaryRegion, to: check.primaryRegion };
}
