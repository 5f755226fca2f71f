import './peer-dependencies';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { App } from 'cdktf';
import { writeFolderAtomically } from '../output/atomic-write';
import type { SovereignConfig } from '../sovereign/sovereign-config';
import { synthesizeSovereign } from '../sovereign/synthesize';
import { RegionClusterStack } from './region-cluster-stack';

/** Builds one RegionClusterStack per region into a cdktf App; namespaces come from the cdk8s synthesis itself. */
export function buildTofuApp(config: SovereignConfig, outdir: string): App {
  const app = new App({ outdir, skipValidation: false });
  const manifests = synthesizeSovereign(config);
  for (const region of config.regions) {
    const objects = manifests.regions.find((r) => r.region === region.name)!.objects;
    new RegionClusterStack(app, region.name, { sovereign: config, region, namespaces: objects.filter((o) => o.kind === 'Namespace') });
  }
  return app;
}

/** Synthesizes the stacks and replaces `outDir` with `stacks/<region>/cdk.tf.json` (and cdktf's manifest), atomically. */
export function synthTofuToFolder(config: SovereignConfig, outDir: string): string[] {
  const staging = mkdtempSync(join(tmpdir(), 'sovereign-tofu-'));
  try {
    buildTofuApp(config, staging).synth();
    const files = new Map<string, string>();
    for (const entry of readdirSync(staging, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) {
        const path = join(entry.parentPath, entry.name);
        files.set(relative(staging, path), readFileSync(path, 'utf8'));
      }
    }
    writeFolderAtomically(outDir, files);
    return [...files.keys()].filter((f) => f.endsWith('cdk.tf.json')).sort();
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
