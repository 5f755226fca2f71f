/**
 * The PostgreSQL image of each supported major: the newest image CloudNativePG 1.30.0's own end-to-end tests run for
 * it (cloudnative-pg `.github/pg_versions.json` at tag v1.30.0; the `-system-trixie` flavour is the one of the
 * operator's own default, `pkg/versions/versions.go` DefaultImageName `ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie`).
 * Barman Cloud runs in the plugin's sidecar, so the image needs no backup tools of its own. PostgreSQL 13 is out of
 * community support (`docs/src/supported_releases.md` at v1.30.0) and has no default: name an image for it.
 */
export const PINNED_POSTGRES_IMAGES: Readonly<Record<number, string>> = {
  14: 'ghcr.io/cloudnative-pg/postgresql:14.23-system-trixie',
  15: 'ghcr.io/cloudnative-pg/postgresql:15.18-system-trixie',
  16: 'ghcr.io/cloudnative-pg/postgresql:16.14-system-trixie',
  17: 'ghcr.io/cloudnative-pg/postgresql:17.10-system-trixie',
  18: 'ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie',
};

/** The pinned default image of a PostgreSQL major, or undefined when there is none. */
export function defaultPostgresImage(major: number): string | undefined {
  return PINNED_POSTGRES_IMAGES[major];
}

const DIGEST = /@sha256:[a-f0-9]{64}$/;
// PostgreSQL versions are <major>.<minor> since 10; anything after them (a flavour such as -system-trixie) is free.
const FULL_VERSION_TAG = /^[0-9]+\.[0-9]+([-._][A-Za-z0-9_.-]*)?$/;

/**
 * Why an image cannot pin PostgreSQL, or undefined when it does. The tag must carry a full version (`16.14`,
 * `16.14-system-trixie`), optionally followed by a digest. A floating tag (`16`, `latest`) lets the two regions of a
 * pair pull different minors; no tag at all is refused by CNPG itself ("Can't use just the image sha as we can't detect
 * upgrades", `internal/webhook/v1/cluster_webhook.go` validateImageName at v1.30.0), since it reads the major from the tag.
 */
export function postgresImageProblem(image: string): string | undefined {
  const example = `e.g. "${PINNED_POSTGRES_IMAGES[16]}" (a digest may follow: "...@sha256:<64 hex>")`;
  const withoutDigest = image.replace(DIGEST, '');
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  if (colon < 0) {
    return `"${image}" has no tag; CloudNativePG reads the PostgreSQL version from the tag and refuses an image without one — pin a full version, ${example}`;
  }
  const tag = withoutDigest.slice(colon + 1);
  if (!FULL_VERSION_TAG.test(tag)) {
    return `"${image}" has the floating tag "${tag}", which lets the two regions of a pair run different PostgreSQL minors; pin a full version, ${example}`;
  }
  return undefined;
}
