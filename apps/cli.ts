#!/usr/bin/env node
// The Phase 0 command line: synth (config -> region folders), validate (folder -> violations).
import './compile-cache';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import type { SovereignOutput } from '../lib/sovereign/synthesize';
import { formatViolation } from '../lib/validate/violation';

// Each command loads what it needs when it runs: `validate` never pays for cdk8s, zod and the constructs, `synth`
// never for ajv and the CEL evaluator, neither for cdktf.

/** The version of the nearest sovereign-cdk8s package.json above this file: apps/ under tsx, build/apps/ once built. */
function packageVersion(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'sovereign-cdk8s' && manifest.version !== undefined) return manifest.version;
    }
    if (dirname(dir) === dir) throw new Error(`no sovereign-cdk8s package.json above ${__dirname}`);
  }
}

const program = new Command()
  .name('sovereign')
  .version(packageVersion())
  .description('Render and check the secrets and database layer of a multi-region Sovereign')
  .showHelpAfterError()
  .exitOverride();

program
  .command('synth')
  .description('write DIR/<region>/*.yaml and DIR/<region>/kustomization.yaml for every region of a Sovereign config')
  .requiredOption('-c, --config <file>', 'Sovereign config (YAML or JSON)')
  .requiredOption('-o, --out <dir>', 'output folder; replaced as a whole, atomically')
  .option('--strict', 'turn degenerate hot-standby inputs into errors', false)
  .option('--promote <region>', 'confirm a DR promotion: name the new OpenBao primary (or set SOVEREIGN_PROMOTE)')
  .option('--validate', 'check the objects in memory with the manifest validator first; write nothing on a violation', false)
  .action(async (options: { config: string; out: string; strict: boolean; promote?: string; validate: boolean }) => {
    const [{ loadSovereignConfig }, { formatSummary, synthSovereignToFolder }] = await Promise.all([import('../lib/sovereign/sovereign-config'), import('../lib/sovereign/synth-to-folder')]);
    const config = loadSovereignConfig(options.config, { env: process.env, strict: options.strict });
    const promote = options.promote ?? (process.env.SOVEREIGN_PROMOTE?.trim() || undefined);
    let validate: ((output: SovereignOutput) => string[]) | undefined;
    if (options.validate) {
      // The objects are checked as synthesized, per region cluster: nothing is written and read back.
      const { ManifestValidator } = await import('../lib/validate/manifest-validator');
      const validator = new ManifestValidator();
      validate = (output) => output.regions.flatMap((r) => validator.validateObjects(r.objects).map((v) => `${r.region}: ${formatViolation(v)}`));
    }
    const result = synthSovereignToFolder(config, options.out, { promote, validate });
    console.log(formatSummary(result, options.out));
    if (options.validate) console.log(`  validated: ${result.output.regions.reduce((n, r) => n + r.objects.length, 0)} objects, 0 violations`);
  });

program
  .command('tofu')
  .description('write DIR/stacks/<region>/cdk.tf.json: the OpenTofu stack of every region cluster')
  .requiredOption('-c, --config <file>', 'Sovereign config (YAML or JSON)')
  .requiredOption('-o, --out <dir>', 'output folder; replaced as a whole, atomically')
  .option('--strict', 'turn degenerate hot-standby inputs into errors', false)
  .action(async (options: { config: string; out: string; strict: boolean }) => {
    const [{ loadSovereignConfig }, { synthTofuToFolder }] = await Promise.all([import('../lib/sovereign/sovereign-config'), import('../lib/tofu/synth-tofu')]);
    const config = loadSovereignConfig(options.config, { env: process.env, strict: options.strict });
    const stacks = synthTofuToFolder(config, options.out);
    console.log(`Sovereign ${config.name}: ${stacks.length} OpenTofu stack(s) written to ${options.out}`);
    for (const stack of stacks) console.log(`  ${stack}`);
  });

program
  .command('tenancy')
  .description('print the tenancy table of a Sovereign config: who may read and write which key prefix, through which store, in which region')
  .requiredOption('-c, --config <file>', 'Sovereign config (YAML or JSON)')
  .option('--strict', 'turn degenerate hot-standby inputs into errors', false)
  .action(async (options: { config: string; strict: boolean }) => {
    const [{ App }, { tenancyMarkdown }, { Sovereign }, { loadSovereignConfig }] = await Promise.all([import('cdk8s'), import('../lib/secrets/tenancy'), import('../lib/sovereign/sovereign'), import('../lib/sovereign/sovereign-config')]);
    const config = loadSovereignConfig(options.config, { env: process.env, strict: options.strict });
    const sovereign = new Sovereign(new App(), config.name, { config });
    process.stdout.write(tenancyMarkdown(sovereign.tenants));
  });

program
  .command('validate')
  .description('check manifests in DIR: strict schema, Pod Security restricted, no secret data')
  .argument('<dir>', 'folder of manifests (searched recursively)')
  .option('--crds <dir>', 'folder of additional CRD YAML files, for kinds beyond the schemas shipped with the package')
  .action(async (dir: string, options: { crds?: string }) => {
    const [{ ManifestValidator }, { SchemaRegistry }] = await Promise.all([import('../lib/validate/manifest-validator'), import('../lib/validate/schema-registry')]);
    const validator = new ManifestValidator(SchemaRegistry.shipped({ extraCrds: options.crds }));
    const result = validator.validateDirectory(dir);
    for (const violation of result.violations) {
      console.error(formatViolation(violation));
    }
    const against = options.crds === undefined ? 'the shipped schemas' : `the shipped schemas and the CRDs in ${resolve(options.crds)}`;
    const verdict = `${result.objects} objects in ${result.files} files checked against ${against}: ${result.violations.length} violation(s)`;
    if (result.violations.length > 0) {
      console.error(verdict);
      process.exitCode = 1;
    } else {
      console.log(verdict);
    }
  });

program.parseAsync().catch((error: unknown) => {
  if (error instanceof Error) {
    // Config errors list every issue in their message; commander has already printed its own usage errors.
    if (!('code' in error && String(error.code).startsWith('commander.'))) {
      console.error(error.message);
    }
    process.exitCode = 'exitCode' in error && typeof error.exitCode === 'number' ? error.exitCode : 1;
  } else {
    throw error;
  }
});
