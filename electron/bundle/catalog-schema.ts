import { z } from 'zod';

/**
 * The release catalog: each QATrack+ release lists the artifacts an install needs, per arch, each
 * pinned by size and SHA-256. Adding a QATrack+ release is a new JSON file, not code.
 *
 * Bundle folder layout (built by `bundle create`, read by installs):
 *   manifest.json            every file's path, size, sha256 (+ the manifest's own hash)
 *   artifacts/<file>         installers (Python, VC++, ODBC, URL Rewrite, ARR, WinSW, ...)
 *   wheelhouse/*.whl         every Python requirement for the target platform
 *   source/<file>            QATrack+ release archive
 *   tools/uv[.exe]           optional uv for fast offline installs
 */
export const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hexadecimal digits');

export const artifactSchema = z
  .object({
    /** Stable id used by steps: python, vcredist, odbc, urlrewrite, arr, winsw, sqlexpress, chrome, uv, source. */
    id: z.string().regex(/^[a-z0-9-]+$/),
    arch: z.enum(['x64', 'x86', 'any']).default('any'),
    /** File name inside the bundle's artifacts/ (or source/ for id "source"). */
    file: z.string().regex(/^[A-Za-z0-9._+-]+$/),
    url: z.url(),
    version: z.string(),
    size: z.number().int().positive(),
    sha256: sha256Hex,
    /** Only needed for some answers (SQL Express, Chrome). */
    optional: z.boolean().default(false),
    /** Where the pinned hash comes from (publisher page, first verified download...). */
    source: z.string().optional(),
  })
  .strict();
export type Artifact = z.infer<typeof artifactSchema>;

export const releaseCatalogSchema = z
  .object({
    release: z.string().regex(/^\d+(?:\.\d+){1,3}$/),
    qatrack: z.object({ tag: z.string(), repository: z.url() }).strict(),
    python: z
      .object({
        version: z.string(),
        /** Archs a complete wheelhouse resolves for (x86 only where `pip download --platform win32` works). */
        archs: z.array(z.enum(['x64', 'x86'])).min(1),
      })
      .strict(),
    artifacts: z.array(artifactSchema),
    /** Python requirements (pip format) for the wheelhouse; git pins are built into wheels at bundle time. */
    requirements: z.array(z.string()),
  })
  .strict();
export type ReleaseCatalog = z.infer<typeof releaseCatalogSchema>;
