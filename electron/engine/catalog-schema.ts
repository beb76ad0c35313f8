import { z } from 'zod';

/**
 * The release catalog: each QATrack+ release lists the artifacts an install needs, per arch, each
 * pinned by size and SHA-256. Adding a QATrack+ release is a new JSON file, not code.
 *
 * Bundle folder layout (built by `bundle create`, read by installs):
 *   manifest.json            every file's path, size, sha256 (+ the manifest's own hash)
 *   manifest.sig             optional detached Ed25519 signature of manifest.json (base64)
 *   artifacts/<file>         installers (Python, VC++, ODBC, URL Rewrite, ARR, WinSW, ...) and the
 *                            uv release zip as downloaded (its pin is checked like every artifact)
 *   tools/uv[.exe]           uv unpacked from that zip at create time (`unpack` below), in the manifest
 *   wheelhouse/*.whl         every Python requirement for the target platform
 *   source/<file>            QATrack+ release archive
 *
 * Pinning: an artifact with a published SHA-256 (winget manifest, vendor page...) carries it here with
 * `source` naming where it was read. An artifact nobody publishes a hash for is listed without
 * `sha256`; `bundle create --accept-new-pins` downloads it once, records size + hash in
 * `resources/catalog/pins/<release>.json` (to be reviewed and committed), and every later create must
 * match that pin. A bundle's manifest always pins every file, and verify/install require it.
 */
export const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hexadecimal digits');

export const artifactSchema = z
  .object({
    /** Stable id used by steps: python, vcredist, odbc, urlrewrite, arr, winsw, sqlexpress, chrome, uv, source. */
    id: z.string().regex(/^[a-z0-9-]+$/),
    arch: z.enum(['x64', 'x86', 'any']).default('any'),
    /**
     * Whose arch `arch` is matched against: the chosen Python's (its installer, the VC++ runtime a
     * 32-bit Python loads) or the machine's (always x64: ODBC Driver 17, whose x64 MSI also installs
     * the 32-bit driver, and the x64 VC++ runtime it needs are installed whatever Python's arch).
     */
    for: z.enum(['python', 'machine']).default('python'),
    /** File name inside the bundle's artifacts/ (or source/ for id "source"). */
    file: z.string().regex(/^[A-Za-z0-9._+-]+$/),
    url: z.url(),
    /** Further origins tried in order when `url` fails or serves a wrong hash. */
    mirrors: z.array(z.url()).optional(),
    version: z.string(),
    /** Known size in bytes; absent until pinned (then the pins file holds it). */
    size: z.number().int().positive().optional(),
    /** Published SHA-256; absent when no publisher gives one (see the pins file). */
    sha256: sha256Hex.optional(),
    /** Only needed for some answers (SQL Express, Chrome). */
    optional: z.boolean().default(false),
    /** Where the pinned hash comes from (publisher page, first verified download...). */
    source: z.string().optional(),
    /**
     * The download is only a web bootstrapper that needs the internet when run (SQL Server Express):
     * an air-gapped install needs this offline media file instead, which only the vendor's tool on
     * a connected Windows machine produces (`prepare`). `bundle create` takes it from the user
     * (--<id>-media FILE), pins it by its hash in the manifest, and installs run it from artifacts/.
     */
    offlineMedia: z
      .object({ file: z.string().regex(/^[A-Za-z0-9._+-]+$/), prepare: z.string() })
      .strict()
      .optional(),
    /**
     * The artifact is a zip holding this executable: `bundle create` unpacks it to tools/<unpack>
     * so the air-gapped target can run it directly (uv).
     */
    unpack: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/)
      .optional(),
  })
  .strict();
export type Artifact = z.infer<typeof artifactSchema>;

/** Windows Server 2016 and later exist only as 64-bit systems. */
export const MACHINE_ARCH = 'x64';

/** Whether an install with a Python of `pythonArch` needs this artifact (the optional ones aside). */
export const artifactApplies = (a: Pick<Artifact, 'arch' | 'for'>, pythonArch: 'x64' | 'x86'): boolean =>
  a.arch === 'any' || a.arch === (a.for === 'machine' ? MACHINE_ARCH : pythonArch);

/**
 * A release id: digits and dots ("3.1.1.4"), or a release line whose last part is `x` ("4.0.x":
 * the newest patch release of 4.0 the catalog entry pins).
 */
export const RELEASE_ID = /^\d+(?:\.\d+){1,3}(?:\.x)?$/;

/**
 * What local_settings.py says that differs between release lines, as data: the renderer reads
 * this block and never tests version strings.
 */
export const releaseSettingsSchema = z
  .object({
    /** Django ENGINE per database kind: `sql_server.pyodbc` (django-mssql-backend, 3.x), `mssql` (mssql-django, 4.x). */
    databaseEngine: z.object({ mssql: z.string().min(1), postgres: z.string().min(1) }).strict(),
    /** Oldest Microsoft ODBC driver major version the SQL Server backend works with. */
    odbcDriverMinimum: z.number().int().min(11),
    /**
     * Write CSRF_TRUSTED_ORIGINS from the site's host names, each with its scheme (and port when
     * not the scheme's default): Django 4.0+ checks the Origin header against it behind a proxy.
     */
    csrfTrustedOrigins: z.boolean(),
  })
  .strict();
export type ReleaseSettings = z.infer<typeof releaseSettingsSchema>;

/** QATrack+ 3.1.x's settings (django-mssql-backend, Django 2.2): what catalogs without a block mean. */
export const SETTINGS_3_1: ReleaseSettings = {
  databaseEngine: { mssql: 'sql_server.pyodbc', postgres: 'django.db.backends.postgresql' },
  odbcDriverMinimum: 17,
  csrfTrustedOrigins: false,
};

export const releaseCatalogSchema = z
  .object({
    release: z.string().regex(RELEASE_ID),
    /** Where the entry's facts come from (upstream files, commits), for reviewers. */
    notes: z.array(z.string()).optional(),
    qatrack: z.object({ tag: z.string(), repository: z.url() }).strict(),
    python: z
      .object({
        version: z.string(),
        /** Archs a complete wheelhouse resolves for (x86 only where `pip download --platform win32` works). */
        archs: z.array(z.enum(['x64', 'x86'])).min(1),
      })
      .strict(),
    settings: releaseSettingsSchema.default(SETTINGS_3_1),
    artifacts: z.array(artifactSchema),
    /** Python requirements (pip format) for the wheelhouse; git pins are built into wheels at bundle time. */
    requirements: z.array(z.string()),
  })
  .strict()
  .superRefine((c, ctx) => {
    // The ODBC driver the catalog ships must be one the release's SQL Server backend supports.
    for (const [i, a] of c.artifacts.entries()) {
      if (a.id !== 'odbc') continue;
      const major = Number(a.version.split('.')[0]);
      if (!(major >= c.settings.odbcDriverMinimum))
        ctx.addIssue({
          code: 'custom',
          path: ['artifacts', i, 'version'],
          message: `ODBC Driver ${a.version} is older than settings.odbcDriverMinimum (${c.settings.odbcDriverMinimum})`,
        });
    }
  });
export type ReleaseCatalog = z.infer<typeof releaseCatalogSchema>;

/** `resources/catalog/pins/<release>.json`: hashes recorded on a first verified download, reviewed in git. */
export const pinSchema = z
  .object({
    sha256: sha256Hex,
    size: z.number().int().nonnegative(),
    url: z.url(),
    pinnedAt: z.string(),
    /** Who/what pinned it, e.g. "bundle create --accept-new-pins (qatrack-installer 0.1.0)". */
    by: z.string(),
  })
  .strict();
export type Pin = z.infer<typeof pinSchema>;

export const pinsFileSchema = z
  .object({
    release: z.string(),
    /** Keyed by `<id>@<arch>`, e.g. "winsw@any". */
    pins: z.record(z.string().regex(/^[a-z0-9-]+@(x64|x86|any)$/), pinSchema),
  })
  .strict();
export type PinsFile = z.infer<typeof pinsFileSchema>;

export const pinKey = (a: Pick<Artifact, 'id' | 'arch'>): string => `${a.id}@${a.arch}`;
