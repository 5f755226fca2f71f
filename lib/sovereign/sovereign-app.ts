import { join } from 'node:path';
import { App, type AppProps } from 'cdk8s';
import { RegionContext } from '../common/region-context';
import { synthSovereignToFolder, type SynthToFolderResult } from './synth-to-folder';

export interface SovereignAppProps extends Pick<AppProps, 'outdir'> {
  /** Confirms a DR promotion: must name the new OpenBao primary (see `synthSovereignToFolder`). @default - no promotion confirmed */
  readonly promote?: string;
}

/**
 * A cdk8s `App` whose `synth()` writes a Sovereign's region folders — `<outdir>/<sovereign>/<region>/*.yaml` with a
 * `kustomization.yaml`, atomically, behind the DR promotion guard, after the late validations and the duplicate-object
 * check — instead of one file per chart. Put a `Sovereign`, or charts given region contexts, in it and add constructs
 * of your own; `synth()` renders them all.
 */
export class SovereignApp extends App {
  private readonly promote?: string;
  private last?: SynthToFolderResult;

  constructor(props: SovereignAppProps = {}) {
    super({ outdir: props.outdir, recordConstructMetadata: false });
    this.promote = props.promote;
  }

  /** What the last `synth()` wrote (print it with `formatSummary`); undefined before the first one. */
  public get result(): SynthToFolderResult | undefined {
    return this.last;
  }

  /** The folder `synth()` writes: `<outdir>/<sovereign>`. */
  public get sovereignOutdir(): string {
    const name = this.node.findAll().map((c) => RegionContext.tryOf(c)).find((c) => c !== undefined)?.sovereign;
    return name === undefined ? this.outdir : join(this.outdir, name);
  }

  public synth(): void {
    this.last = synthSovereignToFolder(this, this.sovereignOutdir, { promote: this.promote });
  }
}
